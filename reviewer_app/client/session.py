"""ReviewSession: the one facade the desktop UI and the CLI use. Blocking calls, safe from two
threads at once (the UI's serial worker and the sync thread): each operation opens its own
short store session, writes are serialised, and the outbox row is committed before return."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from keyring.backend import KeyringBackend
from pydantic import ValidationError

from reviewer_app import contract, domain
from reviewer_app.client import kpis, matches, policy, readings, replies, sor, undo
from reviewer_app.client.clock import Clock, ServiceClock, SystemClock
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.drain import OutboxDrainer, ProgressCallback, SyncReport
from reviewer_app.client.errors import (
    AlreadyDecided,
    ClientError,
    InvalidInput,
    LoginRequired,
    MalformedReply,
    NotFound,
    ServiceUnavailable,
    UnsafeMedia,
)
from reviewer_app.client.http import ApiClient, segment
from reviewer_app.client.media import MediaFetcher
from reviewer_app.client.sync import SyncEngine
from reviewer_app.config import ClientConfig
from reviewer_app.store import cases, outbox
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import Conflict, OutboxCounts

log = logging.getLogger(__name__)

__all__ = ["Conflict", "OutboxCounts", "ProgressCallback", "ReviewSession", "SyncReport"]


def _invalid(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "input"
    return InvalidInput(f"{where}: {first.get('msg', 'invalid')}")


class ReviewSession:
    """A reviewer's session with the review service, offline-first.

    Raises InsecureKeyring on construction when the OS keyring is missing or insecure, and
    KeyringUnavailable when it does not answer in time (open it off the GUI thread)."""

    def __init__(self, config: ClientConfig, *, clock: Clock | None = None,
                 on_login_required: Callable[[], None] | None = None,
                 keyring_backend: KeyringBackend | None = None) -> None:
        self.config = config
        self._clock = ServiceClock(clock or SystemClock())
        self._vault = RefreshTokenVault(config.keyring_service, config.server_url,
                                        keyring_backend)
        _ = self._vault.backend  # an insecure keyring is refused now, not at the first sign-in
        self.store = LocalStore(config.store_path)
        self._api = ApiClient(config, self._clock, self._vault, on_login_required)
        self._media = MediaFetcher(self._api, config.media_max_bytes,
                                   config.prefetch_budget_bytes)
        self._drainer = OutboxDrainer(self._api, self.store, self._clock)
        self._engine: SyncEngine | None = None
        self._me: contract.Me | None = None
        self._templates: contract.ReplyTemplateList | None = None
        self._taxonomy = policy.TaxonomyCache()

    # ------------------------------------------------------------------ auth

    @property
    def clock(self) -> ServiceClock:
        """Service time for everything this session stamps (decisions, notes, exposure and
        break events): anchored on the service's replies, never on the machine's wall clock."""
        return self._clock

    @property
    def me(self) -> contract.Me | None:
        return self._me

    @property
    def api(self) -> ApiClient:
        """The session's authenticated client, for calls beyond reviewing (the lead console's
        `reviewer_app.client.lead`): same tokens, same keyring, same service clock."""
        return self._api

    def login(self, username: str, password: str) -> contract.Me:
        self._api.login(username, password)
        self._me = self._api.call(contract.Me, "GET", "/v1/me")
        self.wake()
        return self._me

    def resume(self) -> contract.Me | None:
        if not self._api.resume():
            return None
        self._me = self._api.call(contract.Me, "GET", "/v1/me")
        self.wake()
        return self._me

    def logout(self) -> None:
        self._api.logout()
        self._me = None
        self._media.clear()

    # ------------------------------------------------------------------ queue and cases

    def lease(self, max_cases: int = 5, queue: str | None = None) -> list[domain.CaseSummary]:
        """`queue`: one queue of the team's, or contract.QA_QUEUE for blind second reviews."""
        try:
            body = contract.LeaseRequest(max_cases=max_cases, queue=queue).model_dump(
                exclude_none=True)
        except ValidationError as exc:
            raise _invalid(exc) from None
        lease = self._api.call(contract.Lease, "POST", "/v1/leases", json_body=body)
        with self.store.write() as db:
            cases.save_lease(db, lease, self._clock.now())
        fresh = replies.refresh_quietly(self._api, self.store, self._clock.now())
        if fresh is not None:
            self._templates = fresh
        return list(lease.cases)

    def reply_templates(self, source: domain.Source | None = None,
                        action: domain.Action | None = None) -> list[contract.ReplyTemplate]:
        """The reply templates as the last lease brought them (kept locally across restarts),
        of one source and action when given; the first of a source and action is the
        default. Reads the local store the first time: call off the GUI thread."""
        if self._templates is None:
            self._templates = replies.load(self.store)
        every = self._templates.templates if self._templates is not None else []
        return every if source is None else replies.for_case(every, source, action)

    def reply_preview(self, case_id: str, template: str, action: domain.Action, *,
                      policy_refs: Sequence[str] = (),
                      legal_ground: domain.LegalGround | None = None,
                      claim: domain.ClaimResolution | None = None,
                      escalate_to: domain.EscalationTeam | None = None) -> str:
        """The reply `template` fills for this decision on the case, exactly as `decide` would
        queue it; InvalidInput names what stops it."""
        case = self.case(case_id)
        return replies.fill(self.reply_templates(), template, case, action,
                            policy_refs=policy_refs, legal_ground=legal_ground, claim=claim,
                            escalate_to=escalate_to)[0]

    def leased_cases(self) -> list[domain.CaseSummary]:
        with self.store.read() as db:
            return cases.open_cases(db)

    def case(self, case_id: str) -> domain.Case:
        with self.store.read() as db:
            cached = cases.get_case(db, case_id)
        if cached is not None:
            return cached
        fetched = self._api.call(domain.Case, "GET", f"/v1/cases/{segment(case_id)}",
                                 what=f"Case {case_id}")
        if fetched.id != case_id:
            raise MalformedReply(f"asked for case {case_id}, got {fetched.id}")
        with self.store.write() as db:
            cases.save_case(db, fetched)
        return fetched

    def media(self, ref: domain.MediaRef) -> bytes:
        return self._media.get(ref)

    def prefetch(self, case_ids: Sequence[str]) -> None:
        """Cases and their media, in order, while the memory budget lasts; best effort."""
        budget = self.config.prefetch_budget_bytes
        for case_id in case_ids:
            try:
                for ref in self.case(case_id).media:
                    if ref.size > budget:
                        return
                    budget -= ref.size
                    self._media.get(ref)
            except (ServiceUnavailable, LoginRequired):
                return
            except (UnsafeMedia, NotFound, MalformedReply) as exc:
                log.info("prefetch of case %s skipped an item: %s", case_id, type(exc).__name__)

    # ------------------------------------------------------------------ writes (outbox)

    def decide(self, case_id: str, action: domain.Action, *, policy_refs: Sequence[str] = (),
               reason: str = "", escalate_to: domain.EscalationTeam | None = None,
               legal_ground: domain.LegalGround | None = None,
               claim: domain.ClaimResolution | None = None,
               reply_template: str | None = None,
               handle_ms: int = 0) -> domain.Decision:
        """Into the outbox, or refused here: what its source needs (`domain.DECISION_NEEDS`,
        the service's rule too) is checked against the case as it was leased. With a
        `reply_template`, the reply is filled from that case by the renderer the service
        checks it with, and queued with the decision."""
        templates = self.reply_templates() if reply_template is not None else []
        now = self._clock.now()
        with self.store.write() as db:
            row = cases.lease_of(db, case_id)
            if row is None:
                raise NotFound(f"Case {case_id} (not leased on this computer)")
            if row.decided or outbox.has_decision(db, case_id):
                raise AlreadyDecided(case_id)
            case = cases.get_case(db, case_id)
            if case is not None:
                need = domain.decision_shortfall(case.source, case.context, action,
                                                 legal_ground, claim)
                if need is not None:
                    raise InvalidInput(f"{need.field}: {need.why}")
            reply: tuple[str, int] | tuple[None, None] = (None, None)
            if reply_template is not None:
                if case is None:
                    raise InvalidInput("reply_template: the case is not on this computer yet")
                reply = replies.fill(templates, reply_template, case, action,
                                     policy_refs=policy_refs, legal_ground=legal_ground,
                                     claim=claim, escalate_to=escalate_to)
            try:
                decision = domain.Decision(
                    client_id=domain.new_client_id(), case_id=case_id, lease_id=row.lease_id,
                    action=action, policy_refs=list(policy_refs), reason=reason,
                    escalate_to=escalate_to, legal_ground=legal_ground, claim=claim,
                    reply_template=reply_template, reply=reply[0], reply_version=reply[1],
                    decided_at=now, handle_ms=handle_ms)
            except ValidationError as exc:
                raise _invalid(exc) from None
            outbox.add_decision(db, decision, now)
            cases.mark_decided(db, case_id)
        self.wake()
        return decision

    def add_note(self, case_id: str, body: str) -> domain.Note:
        now = self._clock.now()
        try:
            note = domain.Note(client_id=domain.new_client_id(), case_id=case_id, body=body,
                               written_at=now)
        except ValidationError as exc:
            raise _invalid(exc) from None
        with self.store.write() as db:
            outbox.add_note(db, note, now)
        self.wake()
        return note

    def record_exposure(self, event: domain.ExposureEvent) -> None:
        with self.store.write() as db:
            outbox.add_exposure(db, event, self._clock.now())
        self.wake()

    def record_break(self, event: domain.BreakEvent) -> None:
        with self.store.write() as db:
            outbox.add_break(db, event, self._clock.now())
        self.wake()

    # ------------------------------------------------------------------ undo, corrections

    def undo_last_decision(self) -> domain.Decision:
        """Takes the most recent decision back out of the outbox if it was never sent; its
        case is undecided again (still leased). Raises undo.NothingToUndo, or
        undo.AlreadySent when the sync engine took it first (then correct it instead)."""
        return undo.undo_last(self.store, self._clock.now())

    def correctable_decisions(self) -> list[undo.Correctable]:
        """This computer's synced decisions still in force and within the service's
        correction window (contract.CORRECTION_WINDOW_HOURS), newest first."""
        since = self._clock.now() - timedelta(hours=contract.CORRECTION_WINDOW_HOURS)
        return [c for c in undo.correctable(self.store) if c.decided_at >= since]

    def correct_decision(self, supersedes: str, action: domain.Action, *,
                         correction_reason: str, policy_refs: Sequence[str] = (),
                         reason: str = "", legal_ground: domain.LegalGround | None = None,
                         claim: domain.ClaimResolution | None = None,
                         handle_ms: int = 0) -> contract.CorrectionBody:
        """A correction of a synced decision, through the outbox (sent on its own)."""
        body = undo.queue_correction(
            self.store, self._clock.now(), supersedes, action,
            correction_reason=correction_reason, policy_refs=policy_refs, reason=reason,
            legal_ground=legal_ground, claim=claim, handle_ms=handle_ms)
        self.wake()
        return body

    # ------------------------------------------------------------------ near-duplicates

    def matches(self, case_id: str) -> contract.CaseMatches:
        """The case's near-duplicate group and hash-bank matches (ids and decisions only)."""
        return matches.read_matches(self._api, case_id)

    def apply_match(self, case_id: str, found: contract.CaseMatches, *,
                    handle_ms: int = 0) -> domain.Decision:
        """Queues the earlier decision of a matching case for this one, through the outbox
        like any decision, with a reason citing the match; nothing needs revealing."""
        offer = matches.offer_of(found)
        if offer is None:
            raise InvalidInput("no earlier decided match to apply")
        return self.decide(case_id, offer.action, policy_refs=offer.policy_refs,
                           reason=offer.reason, handle_ms=handle_ms)

    def decide_group(self, case_id: str, action: domain.Action, *,
                     policy_refs: Sequence[str] = (), reason: str = "",
                     legal_ground: domain.LegalGround | None = None,
                     claim: domain.ClaimResolution | None = None,
                     reply_template: str | None = None,
                     handle_ms: int = 0) -> contract.GroupDecisionResult:
        """Decides the case viewed (queued in the outbox first, so it is never lost), then
        asks the service to decide its near-duplicate group the same way; the group's cases
        leased here are marked decided on this computer too."""
        decision = self.decide(case_id, action, policy_refs=policy_refs, reason=reason,
                               legal_ground=legal_ground, claim=claim,
                               reply_template=reply_template, handle_ms=handle_ms)
        with self.store.write() as db:  # the group call sends it: no undo from here on
            outbox.hand_over(db, str(decision.client_id))
        result = matches.decide_group(self._api, decision)
        with self.store.write() as db:
            for member in result.decided:
                if cases.lease_of(db, member.case_id) is not None:
                    cases.mark_decided(db, member.case_id)
        self.wake()
        return result

    def exposure_avoided(self) -> contract.ExposureAvoided:
        """The reveals matching spared this reviewer, as the service counts them."""
        return matches.my_avoided(self._api)

    def my_spikes(self) -> contract.QueueSpikes:
        """The spikes of the last 24 hours in the queues this reviewer's team works
        (counts and their explanation; blocking)."""
        return self._api.call(contract.QueueSpikes, "GET", "/v1/me/spikes")

    # ------------------------------------------------------------------ policy and appeals

    def policy_taxonomy(self) -> contract.PolicyTaxonomy:
        """Fetches the taxonomy in force and keeps it for `citable_policy` (blocking)."""
        return self._taxonomy.fetch(self._api)

    def citable_policy(self) -> list[domain.PolicyRef]:
        """What a decision may cite: the service's taxonomy once fetched, else the built-in
        one. Reads memory only: safe from the GUI thread."""
        return self._taxonomy.citable()

    def unseen_policy_changes(self) -> list[contract.PolicyChangeNote]:
        return policy.unseen_changes(self._api)

    def policy_changes(self) -> list[contract.PolicyChangeNote]:
        return policy.all_changes(self._api)

    def mark_policy_changes_seen(self, versions: Sequence[int]) -> None:
        policy.mark_seen(self._api, versions)

    def appeal(self, case_id: str) -> contract.Appeal | None:
        """The case's appeal, or None: the desktop asks for each case it opens."""
        return policy.read_appeal(self._api, case_id)

    def decide_appeal(self, appeal: contract.Appeal, outcome: contract.AppealOutcome, *,
                      action: domain.Action | None = None, policy_refs: Sequence[str] = (),
                      reason: str = "", legal_ground: domain.LegalGround | None = None,
                      claim: domain.ClaimResolution | None = None,
                      handle_ms: int = 0) -> contract.AppealDecisionCreate:
        """Upholds or overturns the appeal of a case leased here: written to the outbox with
        the case marked decided in one transaction (nothing is lost if the network is down
        or the app is killed), then sent by the sync engine, its client_id the
        Idempotency-Key. A body the contract refuses raises here, before anything is kept."""
        with self.store.write() as db:
            row = cases.lease_of(db, appeal.case_id)
            if row is None:
                raise NotFound(f"Case {appeal.case_id} (not leased on this computer)")
            body = contract.AppealDecisionCreate(
                client_id=uuid.uuid4(), lease_id=row.lease_id, outcome=outcome, action=action,
                policy_refs=list(policy_refs), reason=reason, legal_ground=legal_ground,
                claim=claim, handle_ms=handle_ms)
            outbox.add_appeal_decision(db, body, appeal.id, appeal.case_id, self._clock.now())
            cases.mark_decided(db, appeal.case_id)
        self.wake()
        return body

    def statements_of_reasons(self, since: datetime,
                              until: datetime | None = None) -> Iterator[contract.SorPage]:
        """Admins: the statements of reasons of [since, until), page by page."""
        return sor.read_pages(self._api, since, until)

    def team_kpis(self, team: str, since: datetime,
                  until: datetime | None = None) -> contract.TeamKpis:
        """Leads (their team) and admins: the team's KPIs over [since, until)."""
        return kpis.read(self._api, team, since, until)

    # ------------------------------------------------------------------ sync

    def sync(self, progress: ProgressCallback | None = None) -> SyncReport:
        """Drain the outbox now. Offline is a report (online=False), not an exception; a
        refused sign-in raises LoginRequired with the outbox untouched."""
        report, failure = self._drainer.drain(progress)
        if isinstance(failure, LoginRequired):
            raise failure
        return report

    def outbox_counts(self) -> OutboxCounts:
        with self.store.read() as db:
            return outbox.counts(db)

    def conflicts(self) -> list[Conflict]:
        with self.store.read() as db:
            return outbox.conflicts(db)

    @property
    def engine(self) -> SyncEngine:
        """The background sync engine (created on first use, started by the caller)."""
        if self._engine is None:
            self._engine = SyncEngine(self._drainer, self._api, self.store, self._clock,
                                      read=self.read_safeguards)
        return self._engine

    def wake(self) -> None:
        if self._engine is not None:
            self._engine.wake()

    # ------------------------------------------------------------------ safeguards

    def read_safeguards(self) -> readings.ServiceReading:
        """The service's counters, ledger, break state and team policy, now (also kept
        locally for an offline start). The sync engine does this after every pass."""
        return readings.read_service(self._api, self.store, self._clock.now())

    def local_safeguards(self) -> readings.LocalSafeguards:
        """What survived the last process: the scheduler's state, the last reading, the
        policy in force and this machine's exposure events."""
        return readings.load_local(self.store, self._clock.now())

    def save_scheduler_state(self, state: dict[str, Any]) -> None:
        readings.save_scheduler(self.store, state, self._clock.now())

    def local_exposure_events(self) -> list[domain.ExposureEvent]:
        return readings.local_events(self.store, self._clock.now())

    def service_time(self) -> datetime | None:
        """The service's time (its last `Date` header plus monotonic time since), to anchor
        the safeguards' ServiceClock; None until the service has answered once."""
        return self._api.service_time()

    def server_exposure(self) -> contract.ExposureStatus:
        return self._api.call(contract.ExposureStatus, "GET", "/v1/me/exposure")

    # ------------------------------------------------------------------ quit

    def release_all(self) -> None:
        """Send what can be sent, then give undecided cases back to the queue."""
        try:
            self._drainer.drain()
        except ClientError as exc:
            log.info("sync before release failed: %s", type(exc).__name__)
        with self.store.read() as db:
            lease_ids = cases.open_lease_ids(db)
        for lease_id in lease_ids:
            try:
                self._api.request("DELETE", f"/v1/leases/{segment(lease_id)}",
                                  what=f"Lease {lease_id}").close()
            except NotFound:
                pass
            with self.store.write() as db:
                cases.lease_ended(db, lease_id)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.stop()
        self._media.clear()
        self._api.close()
        self.store.close()
