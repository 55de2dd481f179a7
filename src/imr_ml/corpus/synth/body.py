"""Body regions: how letters name them and which guideline chapters cover them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    key: str
    names: tuple[str, ...]  # as written in item texts and rationales
    odg: str  # ODG chapter title (without "Chapter")
    mtus: str  # MTUS/ACOEM 2004 chapter title
    acoem_no: int  # ACOEM 2nd edition chapter number
    complaint: str  # the complaint as a noun phrase ("low back pain")
    spine: bool = False
    sided: bool = False


REGIONS: dict[str, Region] = {r.key: r for r in (
    Region("lumbar", ("lumbar spine", "low back", "lumbosacral spine", "lower back"),
           "Low Back", "Low Back Complaints", 12, "low back pain", spine=True),
    Region("cervical", ("cervical spine", "neck"), "Neck and Upper Back",
           "Neck and Upper Back Complaints", 8, "neck pain", spine=True),
    Region("thoracic", ("thoracic spine", "mid back"), "Low Back", "Low Back Complaints", 12,
           "mid back pain", spine=True),
    Region("shoulder", ("shoulder",), "Shoulder", "Shoulder Complaints", 9, "shoulder pain",
           sided=True),
    Region("knee", ("knee",), "Knee and Leg", "Knee Complaints", 13, "knee pain", sided=True),
    Region("wrist", ("wrist", "hand", "wrist and hand"), "Forearm, Wrist, and Hand",
           "Forearm, Wrist, and Hand Complaints", 11, "wrist and hand pain", sided=True),
    Region("elbow", ("elbow",), "Elbow", "Elbow Disorders", 10, "elbow pain", sided=True),
    Region("ankle", ("ankle", "ankle and foot"), "Ankle and Foot", "Ankle and Foot Complaints",
           14, "ankle pain", sided=True),
    Region("hip", ("hip",), "Hip and Pelvis", "Low Back Complaints", 12, "hip pain", sided=True),
)}
