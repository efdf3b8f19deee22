"""Where, exactly (issue 11 item 9): access vessels, below-the-knee and vein
segments, runoff vessels, and the NHLBI dissection grade. Import them through
``cathlog.domain.enums``."""

from __future__ import annotations

from cathlog.domain.vocab_base import Vocab as _Vocab


class AccessVessel(_Vocab):
    """The vessel punctured for an access."""

    RADIAL_ARTERY = "radial_artery"
    DISTAL_RADIAL_ARTERY = "distal_radial_artery"
    ULNAR_ARTERY = "ulnar_artery"
    BRACHIAL_ARTERY = "brachial_artery"
    COMMON_FEMORAL_ARTERY = "common_femoral_artery"
    SUPERFICIAL_FEMORAL_ARTERY = "superficial_femoral_artery"
    POPLITEAL_ARTERY = "popliteal_artery"
    ANTERIOR_TIBIAL_ARTERY = "anterior_tibial_artery"
    POSTERIOR_TIBIAL_ARTERY = "posterior_tibial_artery"
    DORSALIS_PEDIS_ARTERY = "dorsalis_pedis_artery"
    PERONEAL_ARTERY = "peroneal_artery"
    INTERNAL_JUGULAR_VEIN = "internal_jugular_vein"
    COMMON_FEMORAL_VEIN = "common_femoral_vein"
    FEMORAL_VEIN = "femoral_vein"
    POPLITEAL_VEIN = "popliteal_vein"


# Which vessels fit which access site (cathlog.domain.enums.AccessSite values).
ACCESS_VESSELS_BY_SITE: dict[str, frozenset[AccessVessel]] = {
    "radial": frozenset({AccessVessel.RADIAL_ARTERY}),
    "distal_radial": frozenset({AccessVessel.DISTAL_RADIAL_ARTERY}),
    "ulnar": frozenset({AccessVessel.ULNAR_ARTERY}),
    "brachial": frozenset({AccessVessel.BRACHIAL_ARTERY}),
    "femoral": frozenset({AccessVessel.COMMON_FEMORAL_ARTERY, AccessVessel.SUPERFICIAL_FEMORAL_ARTERY}),
    "popliteal": frozenset({AccessVessel.POPLITEAL_ARTERY}),
    "pedal_tibial": frozenset({AccessVessel.ANTERIOR_TIBIAL_ARTERY, AccessVessel.POSTERIOR_TIBIAL_ARTERY,
                               AccessVessel.DORSALIS_PEDIS_ARTERY, AccessVessel.PERONEAL_ARTERY}),
    "jugular": frozenset({AccessVessel.INTERNAL_JUGULAR_VEIN}),
    "femoral_vein": frozenset({AccessVessel.COMMON_FEMORAL_VEIN, AccessVessel.FEMORAL_VEIN}),
    "popliteal_vein": frozenset({AccessVessel.POPLITEAL_VEIN}),
}


class RunoffVessel(_Vocab):
    """The below-the-knee vessels that run to the foot (peripheral lesions)."""

    ANTERIOR_TIBIAL = "anterior_tibial"
    POSTERIOR_TIBIAL = "posterior_tibial"
    PERONEAL = "peroneal"


class BtkSegment(_Vocab):
    """Segment of a below-the-knee artery (peripheral lesions)."""

    OSTIAL = "ostial"
    PROXIMAL_THIRD = "proximal_third"
    MID_THIRD = "mid_third"
    DISTAL_THIRD = "distal_third"
    PEDAL = "pedal"


class VeinSegment(_Vocab):
    """Iliac, femoral and popliteal vein segments (venous lesions)."""

    IVC = "ivc"
    COMMON_ILIAC_VEIN = "common_iliac_vein"
    EXTERNAL_ILIAC_VEIN = "external_iliac_vein"
    COMMON_FEMORAL_VEIN = "common_femoral_vein"
    FEMORAL_VEIN_PROXIMAL = "femoral_vein_proximal"
    FEMORAL_VEIN_MID = "femoral_vein_mid"
    FEMORAL_VEIN_DISTAL = "femoral_vein_distal"
    POPLITEAL_VEIN = "popliteal_vein"


class YesNo(_Vocab):
    """An explicit answer: a checkbox cannot tell "no" from "not recorded"."""

    YES = "yes"
    NO = "no"


class DissectionGrade(_Vocab):
    """NHLBI coronary dissection classification, types A-F."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self.value]


_GRADE_LABELS = {
    "A": "A: radiolucent area, minimal persistence of contrast",
    "B": "B: parallel tracts or double lumen, no persistence",
    "C": "C: extraluminal cap with persistence of contrast",
    "D": "D: spiral filling defect",
    "E": "E: new persistent filling defect",
    "F": "F: total occlusion (no distal flow)",
}
