"""The reply templates the service ships with (migration 0009 writes them as version 1).

Synthetic wording, realistic in shape: what a trust-and-safety team sends back to a reporter,
a regulator, a partner, a rights holder, a court or a trusted flagger. Each uses only the
placeholders its source's cases carry (`reviewer_app.replies.PLACEHOLDERS`); an admin replaces
any of them with `PUT /v1/reply-templates/{name}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer_app.domain import Action, Source

RESTRICTING = (Action.REMOVE, Action.RESTRICT, Action.LABEL)


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    source: Source
    actions: tuple[Action, ...]
    title: str
    body: str


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        "user_report.actioned", Source.USER_REPORT, RESTRICTING, "Report upheld",
        "Hello {reporter},\n\n"
        "Thank you for your report of {received_date} (our reference {case_id}). We reviewed "
        "the content against our policies ({policies}) and it has been {action}.\n\n"
        "Reports like yours help keep people safe.\nThe Trust & Safety team"),
    DefaultTemplate(
        "user_report.no_violation", Source.USER_REPORT, (Action.KEEP,), "No violation found",
        "Hello {reporter},\n\n"
        "Thank you for your report of {received_date} (our reference {case_id}). We reviewed "
        "the content and found that it does not break our policies, so it has been "
        "{action}.\n\n"
        "You can block or mute the account if you would rather not see it.\n"
        "The Trust & Safety team"),
    DefaultTemplate(
        "user_report.more_info", Source.USER_REPORT, (Action.REQUEST_INFO,),
        "More information needed",
        "Hello {reporter},\n\n"
        "Thank you for your report of {received_date} (our reference {case_id}). To review "
        "it we need more information: please reply with a link to the exact post. Your "
        "report has been {action}.\nThe Trust & Safety team"),
    DefaultTemplate(
        "regulator.actioned", Source.REGULATOR, RESTRICTING, "Request actioned",
        "To: {authority}\nYour reference: {reference}\nOur reference: {case_id}\n\n"
        "Further to your request of {received_date} under {legal_basis}, we have assessed "
        "the content. It has been {action} in {jurisdiction} on the following ground: "
        "{legal_ground} ({legal_ground_explanation}).\n"
        "Policies applied: {policies}.\n\nPlatform Regulatory Response (simulated)"),
    DefaultTemplate(
        "regulator.no_action", Source.REGULATOR, (Action.KEEP,), "No action taken",
        "To: {authority}\nYour reference: {reference}\nOur reference: {case_id}\n\n"
        "Further to your request of {received_date} under {legal_basis}, we have assessed "
        "the content for {jurisdiction} and found no ground to restrict it; it has been "
        "{action}. We remain available to discuss this assessment before {deadline}.\n\n"
        "Platform Regulatory Response (simulated)"),
    DefaultTemplate(
        "regulator.more_info", Source.REGULATOR, (Action.REQUEST_INFO,),
        "Clarification requested",
        "To: {authority}\nYour reference: {reference}\nOur reference: {case_id}\n\n"
        "We have received your request of {received_date} under {legal_basis}. To assess it "
        "we need the exact location of the content concerned and the provision it is said "
        "to infringe. The request has been {action}.\n\n"
        "Platform Regulatory Response (simulated)"),
    DefaultTemplate(
        "business_partner.actioned", Source.BUSINESS_PARTNER, RESTRICTING,
        "Escalation actioned",
        "Account: {account}\nAd or listing: {listing}\nOur reference: {case_id}\n\n"
        "Thank you for your escalation of {received_date}. We reviewed the ad or listing "
        "under {advertiser_policy} and our policies ({policies}); it has been {action}.\n\n"
        "Partner Support (simulated)"),
    DefaultTemplate(
        "business_partner.no_action", Source.BUSINESS_PARTNER, (Action.KEEP,),
        "No action taken",
        "Account: {account}\nAd or listing: {listing}\nOur reference: {case_id}\n\n"
        "Thank you for your escalation of {received_date}. We reviewed the ad or listing "
        "under {advertiser_policy} and found that it complies; it has been {action}.\n\n"
        "Partner Support (simulated)"),
    DefaultTemplate(
        "ip_claim.claim_decided", Source.IP_CLAIM, (*RESTRICTING, Action.KEEP),
        "Claim decided",
        "Dear {rights_holder},\n\n"
        "Re: your {claim_type} claim about \"{work}\" (our reference {case_id}, received "
        "{received_date}).\n\n"
        "We have reviewed your claim and it was {claim_outcome}. The content has been "
        "{action}.\n\nIntellectual Property Operations (simulated)"),
    DefaultTemplate(
        "ip_claim.copyright_decided", Source.IP_CLAIM, (*RESTRICTING, Action.KEEP),
        "Copyright claim decided (with counter-notice)",
        "Dear {rights_holder},\n\n"
        "Re: your copyright claim about \"{work}\" (our reference {case_id}, received "
        "{received_date}).\n\n"
        "We have reviewed your claim and it was {claim_outcome}. The content has been "
        "{action}. {counter_notice}\n\nIntellectual Property Operations (simulated)"),
    DefaultTemplate(
        "legal.complied", Source.LEGAL, RESTRICTING, "Order complied with",
        "To: {authority}\nOrder: {reference}\nOur reference: {case_id}\n\n"
        "In compliance with the order received on {received_date}, the content has been "
        "{action} in {jurisdiction}, on the ground of {legal_ground} "
        "({legal_ground_explanation}), before the deadline of {deadline}.\n\n"
        "Legal Response (simulated)"),
    DefaultTemplate(
        "legal.no_action", Source.LEGAL, (Action.KEEP,), "Order under challenge",
        "To: {authority}\nOrder: {reference}\nOur reference: {case_id}\n\n"
        "We have received the order of {received_date}. Having assessed it, the content has "
        "been {action} in {jurisdiction} while we respond to the order through counsel "
        "before {deadline}.\n\nLegal Response (simulated)"),
    DefaultTemplate(
        "trusted_flagger.actioned", Source.TRUSTED_FLAGGER, RESTRICTING, "Notice actioned",
        "Our reference: {case_id}\n\n"
        "Thank you for your notice of {received_date}. As a trusted flagger your notice was "
        "reviewed with priority: the content has been {action} under {policies}.\n\n"
        "Trusted Flagger Programme (simulated)"),
    DefaultTemplate(
        "trusted_flagger.no_violation", Source.TRUSTED_FLAGGER, (Action.KEEP,),
        "No violation found",
        "Our reference: {case_id}\n\n"
        "Thank you for your notice of {received_date}. We reviewed it with priority and found "
        "that the content does not break our policies; it has been {action}.\n\n"
        "Trusted Flagger Programme (simulated)"),
)
