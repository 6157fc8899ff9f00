"""Qt-free wellness engine: exposure policy, ledger, break scheduler and the gate.

Used by the client and the service alike, so both decide the same way. See safeguards/API.md.
"""

from safeguards.breaks import BreakInfo, BreakNotOver, BreakScheduler, ReviewerState
from safeguards.clock import Clock, ManualClock, ServiceClock, SystemClock
from safeguards.display import (
    BLUR_LEVELS,
    BLUR_WIDTHS,
    CategoryDisplay,
    DisplaySettings,
    PersonalSettings,
    RevealMode,
    effective_display,
)
from safeguards.exposure import CounterRow, ExposureLedger, Tally
from safeguards.gate import CapStatus, Refusal, Verdict, case_display, gate, refusal
from safeguards.policy import (
    BreakRules,
    Cap,
    CapAction,
    ExposurePolicy,
    LeadOverride,
    Measure,
    Window,
    effective_breaks,
    list_profiles,
    load_profile,
)

__all__ = [
    "BLUR_LEVELS", "BLUR_WIDTHS", "BreakInfo", "BreakNotOver", "BreakRules", "BreakScheduler",
    "Cap", "CapAction", "CapStatus", "CategoryDisplay", "Clock", "CounterRow", "DisplaySettings",
    "ExposureLedger", "ExposurePolicy", "LeadOverride", "ManualClock", "Measure",
    "PersonalSettings", "Refusal", "RevealMode", "ReviewerState", "ServiceClock", "SystemClock",
    "Tally", "Verdict", "Window", "case_display", "effective_breaks", "effective_display", "gate",
    "list_profiles", "load_profile", "refusal",
]
