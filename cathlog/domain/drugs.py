"""Drugs the lab gives during a case: allowed dose units and dose limits.

``hard_max`` rejects a dose no single administration could be (a typing slip:
an extra zero, mg for mcg); ``soft_max`` asks the nurse to confirm an unusual
one. These are data-quality bounds for a logger, not dosing advice; where a
guideline backs a number the source says so, otherwise it is a design bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from cathlog.domain.enums import DoseUnit, Drug, Route


@dataclass(frozen=True)
class DrugSpec:
    drug: Drug
    units: tuple[DoseUnit, ...]  # the first is the default
    default_route: Route
    hard_max: dict[DoseUnit, float]
    soft_max: dict[DoseUnit, float]
    source: str = "design bound"


U, MG, MCG, G, ML = DoseUnit.UNITS, DoseUnit.MG, DoseUnit.MCG, DoseUnit.G, DoseUnit.ML

DRUGS: dict[Drug, DrugSpec] = {
    s.drug: s
    for s in (
        DrugSpec(Drug.HEPARIN, (U,), Route.IV, {U: 50000}, {U: 15000},
                 "2013 ACCF/AHA STEMI guideline [5]: 70-100 units/kg; per-kg check in rules"),
        DrugSpec(Drug.BIVALIRUDIN, (MG,), Route.IV, {MG: 1000}, {MG: 150},
                 "[5]: 0.75 mg/kg bolus"),
        DrugSpec(Drug.EPTIFIBATIDE, (MG, MCG), Route.IV, {MG: 100, MCG: 100000}, {MG: 40, MCG: 40000},
                 "[5]: 180 mcg/kg bolus"),
        DrugSpec(Drug.TIROFIBAN, (MG, MCG), Route.IV, {MG: 100, MCG: 100000}, {MG: 5, MCG: 5000}),
        DrugSpec(Drug.ABCIXIMAB, (MG,), Route.IV, {MG: 100}, {MG: 40}),
        DrugSpec(Drug.NITROGLYCERIN, (MCG,), Route.IA, {MCG: 10000}, {MCG: 500},
                 "intra-arterial boluses of 100-200 mcg are usual (brief, unverified)"),
        DrugSpec(Drug.VERAPAMIL, (MG,), Route.IA, {MG: 20}, {MG: 5}),
        DrugSpec(Drug.ADENOSINE, (MCG, MG), Route.IC, {MCG: 100000, MG: 100}, {MCG: 1000, MG: 18}),
        DrugSpec(Drug.PROTAMINE, (MG,), Route.IV, {MG: 500}, {MG: 100}),
        DrugSpec(Drug.ASPIRIN, (MG,), Route.PO, {MG: 2000}, {MG: 650}),
        DrugSpec(Drug.CLOPIDOGREL, (MG,), Route.PO, {MG: 1200}, {MG: 600}),
        DrugSpec(Drug.TICAGRELOR, (MG,), Route.PO, {MG: 540}, {MG: 180}),
        DrugSpec(Drug.PRASUGREL, (MG,), Route.PO, {MG: 180}, {MG: 60}),
        DrugSpec(Drug.ALTEPLASE, (MG,), Route.IA, {MG: 150}, {MG: 50}),
        DrugSpec(Drug.MIDAZOLAM, (MG,), Route.IV, {MG: 50}, {MG: 5}),
        DrugSpec(Drug.FENTANYL, (MCG,), Route.IV, {MCG: 2000}, {MCG: 200}),
        DrugSpec(Drug.ATROPINE, (MG,), Route.IV, {MG: 10}, {MG: 3}),
        DrugSpec(Drug.LIDOCAINE, (MG, ML), Route.LOCAL, {MG: 1000, ML: 100}, {MG: 300, ML: 30}),
        DrugSpec(Drug.OTHER, (MG, MCG, U, G, ML), Route.IV,
                 {MG: 100000, MCG: 100000, U: 100000, G: 100, ML: 1000}, {}),
    )
}

# Heparin bolus per kg (2013 ACCF/AHA STEMI guideline, table 3 [5]).
HEPARIN_UNITS_PER_KG_SOFT_MAX = 100.0
HEPARIN_UNITS_PER_KG_SOURCE = "2013 ACCF/AHA STEMI guideline [5]: 70-100 units/kg without GP IIb/IIIa"
