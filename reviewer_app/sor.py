"""EU DSA statements of reasons: the statement model, its validation, and the one table that
maps our decisions onto it.

The allowed values and the rules below follow the EU DSA Transparency Database's own
repository, github.com/digital-services-act/transparency-database at commit
69e80a0bc8eb3cbfbe8246e898194c3bdf490a4b (2026-06-24):

- app/Http/Requests/StatementStoreRequest.php: which fields are required, and when
  (`required_without_all` among the four decision_* restrictions, `required_if` on
  decision_ground, decision_visibility and content_type "other", lengths, date ranges, the
  puid pattern, source_identity left out for a voluntary initiative);
- app/Models/Statement.php: the allowed values (DECISION_VISIBILITIES, DECISION_MONETARIES,
  DECISION_PROVISIONS, DECISION_ACCOUNTS, ACCOUNT_TYPES, DECISION_GROUNDS, CONTENT_TYPES,
  STATEMENT_CATEGORIES, SOURCE_TYPES, AUTOMATED_DETECTIONS, AUTOMATED_DECISIONS,
  INCOMPATIBLE_CONTENT_ILLEGALS);
- app/Services/EuropeanCountriesService.php: EUROPEAN_COUNTRY_CODES (territorial_scope);
- app/Http/Controllers/Api/v1/StatementMultipleAPIController.php: a batch holds 1 to 100.

Written from those rules, not copied. Not modelled: content_id (EAN-13), category
specification keywords, content_language (we hold no language) - none of them required.

`statement_of(...)` builds a statement from a decision and its case through SOR_MAPPING and
returns it, or the per-field errors that stop it (`FieldError`), never raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reviewer_app.domain import (
    POLICY_TAXONOMY,
    RESTRICTING_ACTIONS,
    Action,
    HarmCategory,
    LegalGroundCode,
    MediaKind,
    Source,
)

SOURCE_REPOSITORY = "github.com/digital-services-act/transparency-database"
SOURCE_COMMIT = "69e80a0bc8eb3cbfbe8246e898194c3bdf490a4b"
BATCH_LIMIT = 100
"""The most statements one request to the database's multiple-statements API may carry."""

# ------------------------------------------------------------------ allowed values

DecisionVisibility = Literal[
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
]
DecisionMonetary = Literal[
    "DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER",
]
DecisionProvision = Literal[
    "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION",
]
DecisionAccount = Literal["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"]
AccountType = Literal["ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"]
DecisionGround = Literal["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"]
ContentType = Literal[
    "CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
]
StatementCategory = Literal[
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
]
SourceType = Literal[
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
]
YesNo = Literal["Yes", "No"]
AutomatedDecision = Literal[
    "AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
]
EUROPEAN_COUNTRY_CODES: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)
"""The EU and EEA countries a decision's territorial scope may name (Greece is GR)."""
CountryCode = Literal[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PUID = re.compile(r"^[a-zA-Z0-9_-]+$")
_DATE_RANGES: dict[str, tuple[date | None, date]] = {
    "content_date": (date(2000, 1, 1), date(2038, 1, 1)),
    "application_date": (date(2020, 1, 1), date(2038, 1, 1)),
    "end_date_account_restriction": (None, date(2038, 1, 1)),
    "end_date_monetary_restriction": (None, date(2038, 1, 1)),
    "end_date_service_restriction": (None, date(2038, 1, 1)),
    "end_date_visibility_restriction": (None, date(2038, 1, 1)),
}
_RESTRICTIONS = ("decision_visibility", "decision_monetary", "decision_provision",
                 "decision_account")


@dataclass(frozen=True)
class FieldError:
    """Why a statement cannot be made or sent: the statement's field, and a sentence."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


class Statement(BaseModel):
    """One statement of reasons, in the Transparency Database API's JSON shape. Constructing
    one checks every rule (allowed values, lengths, dates, the puid, and the conditional
    requirements); `check_statement` says which field broke which rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_visibility: list[DecisionVisibility] | None = Field(default=None, min_length=1)
    decision_visibility_other: str | None = Field(default=None, max_length=500)
    decision_monetary: DecisionMonetary | None = None
    decision_monetary_other: str | None = Field(default=None, max_length=500)
    decision_provision: DecisionProvision | None = None
    decision_account: DecisionAccount | None = None
    account_type: AccountType | None = None
    decision_ground: DecisionGround
    decision_ground_reference_url: str | None = Field(default=None, max_length=500)
    illegal_content_legal_ground: str | None = Field(default=None, max_length=500)
    illegal_content_explanation: str | None = Field(default=None, max_length=2_000)
    incompatible_content_ground: str | None = Field(default=None, max_length=500)
    incompatible_content_explanation: str | None = Field(default=None, max_length=2_000)
    incompatible_content_illegal: YesNo | None = None
    content_type: list[ContentType] = Field(min_length=1)
    content_type_other: str | None = Field(default=None, max_length=500)
    category: StatementCategory
    category_addition: list[StatementCategory] | None = None
    territorial_scope: list[CountryCode] | None = None
    content_date: str
    application_date: str
    end_date_account_restriction: str | None = None
    end_date_monetary_restriction: str | None = None
    end_date_service_restriction: str | None = None
    end_date_visibility_restriction: str | None = None
    decision_facts: str = Field(min_length=1, max_length=5_000)
    source_type: SourceType
    source_identity: str | None = Field(default=None, max_length=500)
    automated_detection: YesNo
    automated_decision: AutomatedDecision
    puid: str = Field(min_length=1, max_length=500)

    @field_validator("content_date", "application_date", "end_date_account_restriction",
                     "end_date_monetary_restriction", "end_date_service_restriction",
                     "end_date_visibility_restriction")
    @classmethod
    def _a_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not _DATE.match(value):
            raise ValueError("does not match the format YYYY-MM-DD")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a calendar date") from None
        low, high = _DATE_RANGES[str(info.field_name)]
        if low is not None and day < low:
            raise ValueError(f"must be on or after {low.isoformat()}")
        if day > high:
            raise ValueError(f"must be on or before {high.isoformat()}")
        return value

    @field_validator("puid")
    @classmethod
    def _a_puid(cls, value: str) -> str:
        if not _PUID.match(value):
            raise ValueError("may hold only letters, digits, - and _")
        return value

    @field_validator("decision_ground_reference_url")
    @classmethod
    def _a_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
            raise ValueError("is not a URL")
        return value

    @model_validator(mode="after")
    def _conditional(self) -> Statement:
        errors = conditional_errors(self.model_dump())
        if errors:
            raise ValueError("; ".join(str(e) for e in errors))
        return self

    def wire(self) -> dict[str, Any]:
        """The JSON object the database's API takes (fields left empty are left out)."""
        return self.model_dump(mode="json", exclude_none=True)


def conditional_errors(data: Mapping[str, Any]) -> list[FieldError]:
    """The rules between fields of a statement's `data`: at least one restriction, each
    ground's own fields, the "other" texts, no source identity for a voluntary initiative."""
    def has(name: str) -> bool:
        value = data.get(name)
        return value is not None and (not isinstance(value, str) or bool(value.strip()))

    errors: list[FieldError] = []
    if not any(has(name) for name in _RESTRICTIONS):
        errors.append(FieldError("decision_visibility", "at least one of decision_visibility, "
                                 "decision_monetary, decision_provision or decision_account "
                                 "is required"))
    ground = data.get("decision_ground")
    grounds = {
        "DECISION_GROUND_ILLEGAL_CONTENT": ("illegal_content_legal_ground",
                                            "illegal_content_explanation"),
        "DECISION_GROUND_INCOMPATIBLE_CONTENT": ("incompatible_content_ground",
                                                 "incompatible_content_explanation",
                                                 "incompatible_content_illegal"),
    }
    for each, names in grounds.items():
        for name in names:
            if ground == each and not has(name) and name != "incompatible_content_illegal":
                errors.append(FieldError(name, f"{name} is required when decision_ground is "
                                               f"{each}"))
            if ground != each and data.get(name) is not None:
                errors.append(FieldError(name, f"{name} is only for decision_ground {each}"))
    visibility = data.get("decision_visibility")
    content_type = data.get("content_type")
    others = (
        ("decision_visibility_other", isinstance(visibility, list)
         and "DECISION_VISIBILITY_OTHER" in visibility),
        ("decision_monetary_other", data.get("decision_monetary") == "DECISION_MONETARY_OTHER"),
        ("content_type_other", isinstance(content_type, list)
         and "CONTENT_TYPE_OTHER" in content_type),
    )
    for name, wanted in others:
        if wanted and not has(name):
            errors.append(FieldError(name, f"{name} is required when its field is other"))
        if not wanted and data.get(name) is not None:
            errors.append(FieldError(name, f"{name} is only for the other restriction or "
                                           "content type"))
    if data.get("source_type") == "SOURCE_VOLUNTARY" and data.get("source_identity") is not None:
        errors.append(FieldError("source_identity", "source_identity is left out when "
                                 "source_type is SOURCE_VOLUNTARY"))
    return errors


def check_statement(data: Mapping[str, Any]) -> tuple[Statement | None, list[FieldError]]:
    """The statement `data` describes, or the errors that refuse it, each naming its field."""
    try:
        return Statement.model_validate(dict(data)), []
    except ValidationError as exc:
        errors: list[FieldError] = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            if not loc:  # the model validator: the cross-field rules, named below
                continue
            name = loc[0]
            if error["type"] == "missing":
                message = f"{name} is required"
            elif error["type"] in ("literal_error", "enum"):
                message = (f"{name} has {error.get('input')!r}, not one of the allowed values "
                           f"({error['msg'].removeprefix('Input should be ')})")
            elif error["type"] == "extra_forbidden":
                message = f"{name} is not a field of a statement of reasons"
            elif error["type"] == "value_error":
                message = f"{name} {error['msg'].removeprefix('Value error, ')}"
            else:
                message = f"{name}: {error['msg'][:1].lower()}{error['msg'][1:]}"
            errors.append(FieldError(".".join(loc), message))
        named = {e.field for e in errors}
        errors += [e for e in conditional_errors(data) if e.field not in named]
        return None, errors


# ------------------------------------------------------------------ the mapping


@dataclass(frozen=True)
class SorMapping:
    """How our values become theirs: the one table, read by `statement_of`."""

    category: Mapping[HarmCategory, StatementCategory]
    policy_category: Mapping[str, StatementCategory]
    """A cited policy code's category; a code's category other than the main one is added
    to category_addition."""
    restriction: Mapping[Action, Mapping[str, Any]]
    """The decision_* fields a restricting action sets."""
    source_type: Mapping[Source, SourceType]
    ground: Mapping[LegalGroundCode, DecisionGround]
    content_type: Mapping[MediaKind, ContentType]


SOR_MAPPING = SorMapping(
    category={
        HarmCategory.GRAPHIC_VIOLENCE: "STATEMENT_CATEGORY_VIOLENCE",
        HarmCategory.CHILD_SAFETY: "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        HarmCategory.SELF_HARM: "STATEMENT_CATEGORY_SELF_HARM",
        HarmCategory.ANIMAL_WELFARE: "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        HarmCategory.SEXUAL_CONTENT: "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        HarmCategory.HATE_HARASSMENT: "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        HarmCategory.VIOLENT_EXTREMISM: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        HarmCategory.SCAMS_FRAUD: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        HarmCategory.INTELLECTUAL_PROPERTY:
            "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        HarmCategory.OTHER: "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    },
    policy_category={
        "CS-VIO-1": "STATEMENT_CATEGORY_VIOLENCE",
        "CS-VIO-2": "STATEMENT_CATEGORY_VIOLENCE",
        "CS-CHILD-1": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "CS-SELF-1": "STATEMENT_CATEGORY_SELF_HARM",
        "CS-ANIMAL-1": "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "CS-HATE-1": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "CS-EXT-1": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "AD-SCAM-1": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "AD-PROD-1": "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "IP-COPY-1": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "IP-TM-1": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "REG-DSA-16": "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        "REG-ORDER-1": "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    },
    restriction={
        Action.REMOVE: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
        Action.RESTRICT: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]},
        Action.LABEL: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_LABELLED"]},
    },
    source_type={
        Source.USER_REPORT: "SOURCE_ARTICLE_16",
        Source.IP_CLAIM: "SOURCE_ARTICLE_16",
        Source.TRUSTED_FLAGGER: "SOURCE_TRUSTED_FLAGGER",
        Source.REGULATOR: "SOURCE_TYPE_OTHER_NOTIFICATION",
        Source.LEGAL: "SOURCE_TYPE_OTHER_NOTIFICATION",
        Source.BUSINESS_PARTNER: "SOURCE_TYPE_OTHER_NOTIFICATION",
        Source.INTERNAL: "SOURCE_VOLUNTARY",
    },
    ground={
        LegalGroundCode.ILLEGAL_CONTENT: "DECISION_GROUND_ILLEGAL_CONTENT",
        LegalGroundCode.AUTHORITY_ORDER: "DECISION_GROUND_ILLEGAL_CONTENT",
        LegalGroundCode.COURT_ORDER: "DECISION_GROUND_ILLEGAL_CONTENT",
        LegalGroundCode.TERMS_OF_SERVICE: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    },
    content_type={
        MediaKind.IMAGE: "CONTENT_TYPE_IMAGE",
        MediaKind.VIDEO: "CONTENT_TYPE_VIDEO",
        MediaKind.AUDIO: "CONTENT_TYPE_AUDIO",
        MediaKind.TEXT: "CONTENT_TYPE_TEXT",
    },
)
"""Our harm categories, cited policy codes, restricting actions, sources, legal grounds and
media kinds, as the Transparency Database names them. A decision without a legal ground is
restricted on the platform's terms (DECISION_GROUND_INCOMPATIBLE_CONTENT, the cited policy
codes as its contractual ground). Reviewers decide by hand: automated_detection "No",
automated_decision AUTOMATED_DECISION_NOT_AUTOMATED. content_date is the day the case
reached us (we hold no upload date), application_date the day it was decided."""

_POLICY_TITLES = {ref.code: ref.title for ref in POLICY_TAXONOMY}


@dataclass(frozen=True)
class DecisionFacts:
    """What a statement is made from: one restricting decision and the case it decided."""

    decision_id: int
    case_id: str
    action: Action
    policy_refs: Sequence[str]
    reason: str
    legal_ground: LegalGroundCode | None
    legal_ground_explanation: str | None
    decided_at: date
    source: Source
    harm_category: HarmCategory
    received_at: date
    jurisdiction: str
    legal_basis: str | None
    reporter_organisation: str | None
    media_kinds: Sequence[MediaKind]
    has_text: bool


def territorial_scope(jurisdiction: str) -> list[str] | None:
    """The European countries a case's jurisdiction names ("EU" all, "EU-DE" or "DE" one),
    None outside Europe or when unknown."""
    code = jurisdiction.strip().upper()
    if code in ("EU", "EEA"):
        return list(EUROPEAN_COUNTRY_CODES)
    code = code.removeprefix("EU-")
    if code == "EL":
        code = "GR"
    return [code] if code in EUROPEAN_COUNTRY_CODES else None


def statement_data(f: DecisionFacts, m: SorMapping = SOR_MAPPING) -> dict[str, Any]:
    """The statement's fields for decision `f`, through the mapping; checked by
    `check_statement` (a field we cannot fill is left out, and so refused by name)."""
    data: dict[str, Any] = dict(m.restriction.get(f.action, {}))
    category = m.category[f.harm_category]
    data["category"] = category
    additions = sorted({m.policy_category[c] for c in f.policy_refs if c in m.policy_category}
                       - {category})
    if additions:
        data["category_addition"] = additions
    cited = "; ".join(f"{c}: {_POLICY_TITLES[c]}" if c in _POLICY_TITLES else c
                      for c in f.policy_refs)
    reason = f.reason.strip()
    if f.legal_ground is not None and m.ground[f.legal_ground] == "DECISION_GROUND_ILLEGAL_CONTENT":
        data["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        ground = f.legal_basis or cited
        if ground:
            data["illegal_content_legal_ground"] = ground[:500]
        if f.legal_ground_explanation:
            data["illegal_content_explanation"] = f.legal_ground_explanation[:2_000]
    else:
        data["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        if cited:
            data["incompatible_content_ground"] = cited[:500]
        explanation = f.legal_ground_explanation or reason
        if explanation:
            data["incompatible_content_explanation"] = explanation[:2_000]
        data["incompatible_content_illegal"] = "No"
    kinds = sorted({m.content_type[k] for k in f.media_kinds if k in m.content_type})
    if not kinds and f.has_text:
        kinds = ["CONTENT_TYPE_TEXT"]
    if kinds:
        data["content_type"] = kinds
    scope = territorial_scope(f.jurisdiction)
    if scope is not None:
        data["territorial_scope"] = scope
    data["content_date"] = f.received_at.isoformat()
    data["application_date"] = f.decided_at.isoformat()
    facts = " ".join(part for part in (reason, f"Cited: {cited}." if cited else "") if part)
    if facts:
        data["decision_facts"] = facts[:5_000]
    source_type = m.source_type[f.source]
    data["source_type"] = source_type
    if source_type != "SOURCE_VOLUNTARY" and f.reporter_organisation:
        data["source_identity"] = f.reporter_organisation[:500]
    data["automated_detection"] = "No"
    data["automated_decision"] = "AUTOMATED_DECISION_NOT_AUTOMATED"
    data["puid"] = f"d{f.decision_id}-{re.sub(r'[^A-Za-z0-9_-]', '_', f.case_id)}"
    return data


def statement_of(f: DecisionFacts) -> tuple[Statement | None, list[FieldError]]:
    """The statement of reasons of a restricting decision, or the errors that refuse it."""
    if f.action not in RESTRICTING_ACTIONS:
        return None, [FieldError("decision_visibility",
                                 f"a {f.action.value} decision restricts nothing")]
    return check_statement(statement_data(f))


def batches(statements: Sequence[Any], size: int = BATCH_LIMIT) -> list[list[Any]]:
    """`statements` cut into batches the API takes (1 to 100 each)."""
    if not 1 <= size <= BATCH_LIMIT:
        raise ValueError(f"a batch holds 1 to {BATCH_LIMIT} statements")
    return [list(statements[i:i + size]) for i in range(0, len(statements), size)]
