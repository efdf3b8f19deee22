"""Realistic synthetic cases of every category, logged through the services.

Five case templates: coronary DES, rotational atherectomy, CTO PCI,
below-knee DCB angioplasty via tibiopedal access, and DVT venous stenting
with a retrievable IVC filter. Everything goes through the same door as a
nurse's entries (validation, versions, audit), attributed to two demo
accounts whose passwords nobody knows. Patients are invented; names include
accents and non-Latin scripts on purpose.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from cathlog.domain import enums as e
from cathlog.domain.errors import Conflict
from cathlog.domain.records import Actor, Patient, TeamMember, utc_iso
from cathlog.rules.permissions import Action
from cathlog.services.auth import AuthService
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.services.cases import CaseService
from cathlog.store.db import Store

FAMILY = ["Doe", "Müller", "Núñez", "O'Brien", "Nowak", "Kowalski", "Rossi", "Dubois", "Jansen", "Smith",
          "李", "García", "Andersson", "Papadopoulos", "Okafor", "Yılmaz", "Ivanova", "Tanaka", "Brown", "Haddad"]
GIVEN_F = ["Jane", "Zoë", "María", "Aoife", "Ingrid", "Fatima", "Chiamaka", "Yuki", "Elena", "Ana"]
GIVEN_M = ["John", "José", "Liam", "Piotr", "Luca", "Pierre", "Jan", "Kenji", "Mehmet", "伟"]
OPERATORS = ["Dr. A. Patel", "Dr. S. Lindqvist", "Dr. M. Okoye", "Dr. R. Fischer"]
NURSES = ["RN K. Walsh", "RN T. Nguyen", "RN L. Moreau"]
DEMO_NURSE, DEMO_PHYSICIAN = "demo.nurse", "demo.physician"


class _Case:
    """A case being logged: a clock that moves forward with each entry."""

    def __init__(self, cases: CaseService, nurse: Actor, procedure_id: str, start: datetime, rng: random.Random,
                 operator: str):
        self.cases, self.nurse, self.pid, self.t, self.rng, self.operator = cases, nurse, procedure_id, start, rng, operator

    def log(self, kind: e.EventKind, minutes: float, performed_by: str | None = None, **data: object) -> str:
        self.t += timedelta(minutes=minutes)
        ev = self.cases.record_event(self.nurse, self.pid, kind, data, occurred_at=self.t,
                                       performed_by=performed_by or self.operator, confirm=True)
        return ev.event_id

    def heparin(self, weight_kg: float, units_per_kg: int) -> None:
        dose = round(weight_kg * units_per_kg / 500) * 500
        self.log(e.EventKind.MEDICATION, 2, drug="heparin", dose=dose, dose_unit="units", route="iv")

    def radiation(self, fluoro_min: float, kerma_mgy: float, dap: float) -> None:
        self.log(e.EventKind.RADIATION, 1, performed_by="technologist", fluoro_time_s=int(fluoro_min * 60),
                 air_kerma_mgy=round(kerma_mgy, 1), dap_gy_cm2=round(dap, 2))

    def device(self, minutes: float, **data: object) -> str:
        r = self.rng
        data.setdefault("lot", f"{r.randint(10000, 99999)}{r.choice('ABCDEFGH')}")
        data.setdefault("expiry_date", (self.t + timedelta(days=r.randint(60, 700))).date().isoformat())
        data.setdefault("gtin", "0" + "".join(str(r.randint(0, 9)) for _ in range(13)))
        return self.log(e.EventKind.DEVICE, minutes, None, **data)


def _coronary_des(c: _Case, w: float) -> None:
    r = c.rng
    c.log(e.EventKind.ACCESS, 0, site="radial", side="right", vessel_type="artery", approach="retrograde",
          sheath_fr=6.0, ultrasound_guided=r.random() < 0.5, closure="radial_band")
    c.log(e.EventKind.MEDICATION, 1, drug="verapamil", dose=2.5, dose_unit="mg", route="ia")
    c.heparin(w, 70)
    c.log(e.EventKind.ACT, 6, act_s=r.randint(255, 310), act_device="hemotec")
    vessel = r.choice(["lad", "lcx", "rca"])
    ref = r.choice([2.75, 3.0, 3.5])
    lesion = c.log(e.EventKind.LESION, 4, vessel=vessel, stenosis_pre_pct=r.randint(75, 95), timi_pre=3,
                   calcification="mild", length_mm=float(r.choice([14, 18, 22])), reference_diameter_mm=ref)
    c.log(e.EventKind.MEDICATION, 1, drug="nitroglycerin", dose=200.0, dose_unit="mcg", route="ic")
    bal = c.device(2, device_type="balloon", manufacturer="Boston Scientific", model="Emerge", diameter_mm=2.5,
                   length_mm=15.0, state="used", nominal_atm=6.0, rated_burst_atm=14.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=bal, pressure_atm=10.0, duration_s=15)
    des = c.device(3, device_type="des", manufacturer="Medtronic", model="Resolute Onyx", diameter_mm=ref,
                   length_mm=float(r.choice([22, 26, 30])), state="implanted", nominal_atm=9.0,
                   rated_burst_atm=18.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=des, pressure_atm=14.0, duration_s=20)
    nc = c.device(2, device_type="nc_balloon", manufacturer="Abbott", model="NC Trek", diameter_mm=ref + 0.25,
                  length_mm=12.0, state="used", nominal_atm=12.0, rated_burst_atm=20.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=nc, pressure_atm=18.0, duration_s=15)
    c.log(e.EventKind.CONTRAST, 2, agent="iohexol", concentration_mgi_ml=350, volume_ml=float(r.randint(90, 160)))
    c.radiation(r.uniform(7, 14), r.uniform(500, 1100), r.uniform(25, 60))
    c.log(e.EventKind.NOTE, 1, text=f"{vessel.upper()} stented, 0 % residual, TIMI 3. Radial band applied.")


def _rotational(c: _Case, w: float) -> None:
    r = c.rng
    c.log(e.EventKind.ACCESS, 0, site="femoral", side="right", vessel_type="artery", approach="retrograde",
          sheath_fr=7.0, ultrasound_guided=True, closure="suture")
    c.heparin(w, 70)
    c.log(e.EventKind.ACT, 6, act_s=r.randint(260, 300), act_device="hemotec")
    lesion = c.log(e.EventKind.LESION, 3, vessel="rca", segment="mid", stenosis_pre_pct=90, timi_pre=2,
                   calcification="severe", length_mm=24.0, reference_diameter_mm=3.5)
    burr = c.device(3, device_type="ra_burr", manufacturer="Boston Scientific", model="Rotablator",
                    diameter_mm=1.75, state="used", lesion_event_id=lesion)
    for _ in range(3):
        c.log(e.EventKind.ATHERECTOMY, 2, device_event_id=burr, speed_rpm=r.choice([150000, 160000, 170000]),
              duration_s=r.randint(12, 20))
    c.log(e.EventKind.MEDICATION, 1, drug="nitroglycerin", dose=200.0, dose_unit="mcg", route="ic")
    nc = c.device(2, device_type="nc_balloon", manufacturer="Abbott", model="NC Trek", diameter_mm=3.0,
                  length_mm=15.0, state="used", nominal_atm=12.0, rated_burst_atm=20.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=nc, pressure_atm=16.0, duration_s=20)
    des = c.device(3, device_type="des", manufacturer="Abbott", model="Xience Skypoint", diameter_mm=3.5,
                   length_mm=38.0, state="implanted", nominal_atm=10.0, rated_burst_atm=18.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=des, pressure_atm=14.0, duration_s=25)
    c.log(e.EventKind.ACT, 10, act_s=r.randint(240, 290), act_device="hemotec")
    c.log(e.EventKind.CONTRAST, 2, agent="iodixanol", concentration_mgi_ml=320, volume_ml=float(r.randint(140, 220)))
    c.radiation(r.uniform(15, 25), r.uniform(1200, 2200), r.uniform(60, 110))


def _cto(c: _Case, w: float) -> None:
    r = c.rng
    c.log(e.EventKind.ACCESS, 0, site="femoral", side="right", vessel_type="artery", approach="retrograde",
          sheath_fr=8.0, ultrasound_guided=True, closure="suture")
    c.log(e.EventKind.ACCESS, 3, site="radial", side="left", vessel_type="artery", approach="retrograde",
          sheath_fr=7.0, ultrasound_guided=True, closure="radial_band")
    c.heparin(w, 100)
    c.log(e.EventKind.ACT, 6, act_s=r.randint(300, 340), act_device="hemotec")
    lesion = c.log(e.EventKind.LESION, 5, vessel="rca", segment="proximal to mid", stenosis_pre_pct=100,
                   is_cto=True, cto_duration_months=float(r.choice([6, 12, 24])), timi_pre=0,
                   calcification="moderate", length_mm=35.0, reference_diameter_mm=3.0)
    c.device(20, device_type="microcatheter", manufacturer="Asahi", model="Corsair Pro", state="used")
    c.log(e.EventKind.ACT, 25, act_s=r.randint(270, 320), act_device="hemotec")
    bal = c.device(15, device_type="balloon", manufacturer="Boston Scientific", model="Emerge", diameter_mm=2.0,
                   length_mm=20.0, state="used", nominal_atm=6.0, rated_burst_atm=14.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=bal, pressure_atm=12.0, duration_s=20)
    for length in (38.0, 30.0):
        des = c.device(4, device_type="des", manufacturer="Medtronic", model="Resolute Onyx", diameter_mm=3.0,
                       length_mm=length, state="implanted", nominal_atm=9.0, rated_burst_atm=18.0,
                       lesion_event_id=lesion)
        c.log(e.EventKind.INFLATION, 1, device_event_id=des, pressure_atm=14.0, duration_s=20)
    c.log(e.EventKind.CONTRAST, 3, agent="iodixanol", concentration_mgi_ml=320, volume_ml=float(r.randint(220, 290)))
    c.radiation(r.uniform(45, 70), r.uniform(2000, 3400), r.uniform(100, 160))
    c.log(e.EventKind.NOTE, 1, text="Antegrade wire escalation; CTO crossed. TIMI 3 after two overlapping DES.")


def _below_knee(c: _Case, w: float) -> None:
    r = c.rng
    c.log(e.EventKind.ACCESS, 0, site="femoral", side="right", vessel_type="artery", approach="antegrade",
          sheath_fr=5.0, ultrasound_guided=True, closure="manual")
    c.heparin(w, 70)
    c.log(e.EventKind.ACT, 7, act_s=r.randint(205, 235), act_device="hemotec")
    c.log(e.EventKind.MEDICATION, 1, drug="heparin", dose=2000.0, dose_unit="units", route="iv")
    c.log(e.EventKind.ACT, 8, act_s=r.randint(255, 290), act_device="hemotec")
    lesion = c.log(e.EventKind.LESION, 3, vessel="anterior_tibial", stenosis_pre_pct=100, timi_pre=0,
                   calcification="moderate", length_mm=120.0, reference_diameter_mm=2.5)
    c.log(e.EventKind.ACCESS, 10, site="pedal_tibial", side="right", vessel_type="artery", approach="retrograde",
          sheath_fr=4.0, ultrasound_guided=True, closure="manual")
    bal = c.device(6, device_type="balloon", manufacturer="Boston Scientific", model="Coyote", diameter_mm=2.5,
                   length_mm=120.0, state="used", nominal_atm=6.0, rated_burst_atm=14.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=bal, pressure_atm=8.0, duration_s=180)
    dcb = c.device(4, device_type="dcb", manufacturer="Medtronic", model="IN.PACT 014", diameter_mm=2.5,
                   length_mm=120.0, state="used", nominal_atm=6.0, rated_burst_atm=12.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=dcb, pressure_atm=8.0, duration_s=180)
    c.log(e.EventKind.MEDICATION, 1, drug="nitroglycerin", dose=200.0, dose_unit="mcg", route="ia")
    c.log(e.EventKind.CONTRAST, 2, agent="iodixanol", concentration_mgi_ml=270, volume_ml=float(r.randint(60, 110)))
    c.radiation(r.uniform(12, 22), r.uniform(150, 400), r.uniform(10, 30))
    c.log(e.EventKind.NOTE, 1, text="Tibiopedal retrograde access to cross the AT occlusion. Inline flow to foot.")


def _venous(c: _Case, w: float) -> None:
    r = c.rng
    c.log(e.EventKind.ACCESS, 0, site="jugular", side="right", vessel_type="vein", approach="antegrade",
          sheath_fr=10.0, ultrasound_guided=True, closure="manual")
    filt = c.device(5, device_type="ivc_filter_retrievable", manufacturer="Cook", model="Günther Tulip",
                    diameter_mm=30.0, state="implanted")
    c.log(e.EventKind.ACCESS, 10, site="popliteal_vein", side="left", vessel_type="vein", approach="antegrade",
          sheath_fr=8.0, ultrasound_guided=True, closure="manual")
    c.heparin(w, 80)
    lesion = c.log(e.EventKind.LESION, 5, vessel="civ", segment="May-Thurner compression", stenosis_pre_pct=90,
                   length_mm=60.0, reference_diameter_mm=16.0)
    c.device(5, device_type="thrombectomy_catheter", manufacturer="Inari", model="ClotTriever", state="used")
    bal = c.device(20, device_type="balloon", manufacturer="Bard", model="Atlas", diameter_mm=16.0,
                   length_mm=40.0, state="used", nominal_atm=4.0, rated_burst_atm=12.0, lesion_event_id=lesion)
    c.log(e.EventKind.INFLATION, 1, device_event_id=bal, pressure_atm=10.0, duration_s=60)
    stent = c.device(4, device_type="venous_stent", manufacturer="Bard", model="Venovo", diameter_mm=16.0,
                     length_mm=float(r.choice([80, 100, 120])), state="implanted", lesion_event_id=lesion,
                     delivered_with_event_id=None)
    c.log(e.EventKind.INFLATION, 2, device_event_id=stent, pressure_atm=10.0, duration_s=60)
    c.log(e.EventKind.CONTRAST, 2, agent="iohexol", concentration_mgi_ml=300, volume_ml=float(r.randint(100, 170)))
    c.radiation(r.uniform(15, 30), r.uniform(300, 900), r.uniform(40, 90))
    c.log(e.EventKind.NOTE, 1, text=f"Retrievable IVC filter ({filt[:6]}) placed before thrombectomy; "
                                    "plan retrieval review.")


_Template = tuple[str, str, tuple[str, ...], str, Callable[[_Case, float], None]]
TEMPLATES: tuple[_Template, ...] = (
    ("Coronary DES", "coronary", ("stenting",), "sihd", _coronary_des),
    ("Rotational atherectomy", "coronary", ("rotational_atherectomy", "stenting"), "nstemi", _rotational),
    ("CTO PCI", "coronary", ("cto_pci", "stenting"), "sihd", _cto),
    ("Below-knee DCB", "peripheral_arterial", ("balloon_angioplasty", "drug_coated_balloon"), "clti", _below_knee),
    ("DVT venous stent + IVC filter", "venous", ("thrombectomy", "venous_stenting", "ivc_filter_placement"), "dvt",
     _venous),
)


class DemoService(ServiceBase):
    """Loads synthetic cases (admins only; LOAD_DEMO)."""

    def __init__(self, store: Store, clock: Clock = system_clock, *, auth: AuthService, cases: CaseService):
        super().__init__(store, clock)
        self.auth, self.cases = auth, cases

    def _staff(self, admin: Actor) -> Actor:
        """The accounts demo entries are attributed to (random, unknown passwords); returns the nurse."""
        staff = []
        for username, name, role in ((DEMO_NURSE, "Demo Nurse", e.Role.NURSE),
                                     (DEMO_PHYSICIAN, "Demo Physician", e.Role.PHYSICIAN)):
            try:
                self.auth.add_user(admin, username, name, role, secrets.token_urlsafe(24))
            except Conflict:
                pass
            staff.append(Actor(username, name, role, "demo"))
        return staff[0]

    def load(self, actor: Actor, procedures: int = 25, seed: int | None = None) -> list[str]:
        """Log ``procedures`` synthetic cases over the past weeks; returns their ids.

        Each case (patient, case, entries, closing) is one durable transaction."""
        self.require(actor, Action.LOAD_DEMO)
        rng = random.Random(seed)
        nurse = self._staff(actor)
        now = self.clock()
        first_day = now - timedelta(days=max(1, procedures // 3))
        ids = []
        for i in range(procedures):
            label, category, planned, indication, fill = TEMPLATES[i % len(TEMPLATES)]
            female = rng.random() < 0.45
            weight = round(rng.uniform(55, 105), 1)
            patient = Patient(
                mrn=f"DEMO{rng.randint(0, 99999):05d}{i:04d}", family_name=rng.choice(FAMILY),
                given_name=rng.choice(GIVEN_F if female else GIVEN_M),
                birth_date=f"{rng.randint(1935, 1985)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                sex="female" if female else "male", weight_kg=weight, height_cm=float(rng.randint(152, 192)),
                creatinine_mg_dl=round(rng.uniform(0.7, 2.2), 2), egfr_ml_min=float(rng.randint(28, 95)),
                allergies=rng.choice([None, None, "iodinated contrast (rash)", "penicillin"]),
                anticoagulation="none")
            day = first_day + (now - timedelta(hours=6) - first_day) * (i / max(1, procedures))
            start = day.replace(hour=rng.choice([8, 9, 10, 11, 13, 14]), minute=rng.choice([0, 15, 30, 45]),
                                second=0, microsecond=0)
            start = min(start, now - timedelta(hours=4))
            operator = rng.choice(OPERATORS)
            team = [TeamMember(operator, e.TeamRole.PRIMARY_OPERATOR),
                    TeamMember(rng.choice(NURSES), e.TeamRole.NURSE)]
            details = {"category": category, "planned": list(planned), "indication": indication,
                       "indication_detail": label, "urgency": "urgent" if indication == "nstemi" else "elective",
                       "room": f"Cath Lab {rng.randint(1, 3)}"}
            with self.store.write():  # one durable commit per demo case
                proc = self.cases.start_case(nurse, patient, details, team=team, started_at=utc_iso(start),
                                             confirm=True)
                fill(_Case(self.cases, nurse, proc.procedure_id, start, rng, operator), weight)
                if i < procedures - 2:
                    self.cases.close_case(nurse, proc.procedure_id)
            ids.append(proc.procedure_id)
        return ids
