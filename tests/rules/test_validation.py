"""Hard limits reject with a message naming field, value and what is allowed;
soft limits warn (reliability I2); hypothesis checks 'accepted exactly when
within spec' for every numeric field of every event kind."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cathlog.domain import enums as e
from cathlog.domain.errors import ValidationError
from cathlog.domain.fields import EVENT_FIELDS, FieldType
from cathlog.domain.records import EventVersion
from cathlog.rules.validation import EventContext, check_value, normalize, validate_event, validate_patient
from tests.helpers import make_patient

CTX = EventContext(procedure_date=date(2026, 11, 21), weight_kg=80.0)

MINIMAL = {
    e.EventKind.ACCESS: {"site": "radial", "side": "right", "vessel_type": "artery", "sheath_fr": 6.0},
    e.EventKind.MEDICATION: {"drug": "heparin", "dose": 6000.0, "dose_unit": "units", "route": "iv"},
    e.EventKind.ACT: {"act_s": 268},
    e.EventKind.DEVICE: {"device_type": "des", "state": "implanted", "diameter_mm": 3.0, "length_mm": 28.0},
    e.EventKind.CONTRAST: {"agent": "iohexol", "volume_ml": 20.0},
    e.EventKind.RADIATION: {"fluoro_time_s": 600, "air_kerma_mgy": 410.0, "dap_gy_cm2": 31.0},
    e.EventKind.LESION: {"vessel": "lad", "stenosis_pre_pct": 85},
    e.EventKind.COMPLICATION: {"complication": "hematoma", "severity": "mild"},
    e.EventKind.NOTE: {"text": "Patient comfortable."},
}


def _ctx_with(*events: EventVersion) -> EventContext:
    return EventContext(procedure_date=date(2026, 11, 21), weight_kg=80.0, events={ev.event_id: ev for ev in events})


def _ev(event_id: str, kind: e.EventKind, **data) -> EventVersion:
    return EventVersion(event_id, "P1", kind, data, "2026-11-21T09:00:00Z", "2026-11-21T09:00:00Z", "nurse")


@pytest.mark.parametrize("kind", list(MINIMAL))
def test_minimal_entries_pass(kind):
    assert validate_event(kind, MINIMAL[kind], CTX) == []


@pytest.mark.parametrize("kind, data, field, words", [
    (e.EventKind.ACT, {"act_s": 0}, "act_s", ["ACT 0 s", "allowed 50 to 1100 s"]),
    (e.EventKind.ACT, {"act_s": 1101}, "act_s", ["1101", "out of range"]),
    (e.EventKind.ACT, {"act_s": 250.5}, "act_s", ["whole number"]),
    (e.EventKind.ACT, {"act_s": "abc"}, "act_s", ["must be a number", "'abc'"]),
    (e.EventKind.ACT, {"act_s": True}, "act_s", ["must be a number"]),
    (e.EventKind.ACT, {}, "act_s", ["ACT is required"]),
    (e.EventKind.CONTRAST, {"agent": "iohexol", "volume_ml": -5.0}, "volume_ml", ["-5", "allowed 0.1 to 1000 mL"]),
    (e.EventKind.CONTRAST, {"agent": "iohexol", "volume_ml": 10000.0}, "volume_ml", ["10000"]),
    (e.EventKind.CONTRAST, {"agent": "iohexol", "volume_ml": 12.25}, "volume_ml", ["too many decimals"]),
    (e.EventKind.CONTRAST, {"agent": "beer", "volume_ml": 12.0}, "agent", ["not one of"]),
    (e.EventKind.ACCESS, {**MINIMAL[e.EventKind.ACCESS], "sheath_fr": 30.0}, "sheath_fr", ["3 to 24 Fr"]),
    (e.EventKind.ACCESS, {**MINIMAL[e.EventKind.ACCESS], "site": "femoral_vein"}, "vessel_type", ["is a vein"]),
    (e.EventKind.MEDICATION, {"drug": "heparin", "dose": 5000.0, "dose_unit": "mg", "route": "iv"}, "dose_unit",
     ["dosed in units"]),
    (e.EventKind.MEDICATION, {"drug": "heparin", "dose": 60000.0, "dose_unit": "units", "route": "iv"}, "dose",
     ["at most 50000 units"]),
    (e.EventKind.MEDICATION, {"drug": "other", "dose": 1.0, "dose_unit": "mg", "route": "iv"}, "drug_name",
     ["required"]),
    (e.EventKind.DEVICE, {"device_type": "ra_burr", "state": "used", "diameter_mm": 1.8}, "diameter_mm",
     ["not a burr size", "1.25, 1.5, 1.75"]),
    (e.EventKind.DEVICE, {"device_type": "balloon", "state": "used", "removes_event_id": "f" * 32},
     "removes_event_id", ["retrieved, explanted"]),
    (e.EventKind.DEVICE, {"device_type": "balloon", "state": "used", "nominal_atm": 12.0, "rated_burst_atm": 8.0},
     "rated_burst_atm", ["below the nominal"]),
    (e.EventKind.LESION, {"vessel": "lad", "stenosis_pre_pct": 101}, "stenosis_pre_pct", ["0 to 100 %"]),
    (e.EventKind.LESION, {"vessel": "lad", "timi_post": 4}, "timi_post", ["0 to 3"]),
    (e.EventKind.LESION, {"vessel": "lad", "cto_duration_months": 6.0}, "cto_duration_months", ["not marked"]),
    (e.EventKind.RADIATION, {}, "fluoro_time_s", ["at least one"]),
    (e.EventKind.NOTE, {"text": "x" * 4001}, "text", ["4001 characters", "at most 4000"]),
    (e.EventKind.NOTE, {"text": "a\x00b"}, "text", ["control character"]),
    (e.EventKind.NOTE, {"text": "ok", "colour": "red"}, "colour", ["unknown field"]),
    (e.EventKind.INFLATION, {"device_event_id": "f" * 32, "pressure_atm": 8.0, "duration_s": 60}, "device_event_id",
     ["not a device entry"]),
])
def test_hard_limits_reject_and_say_why(kind, data, field, words):
    with pytest.raises(ValidationError) as info:
        validate_event(kind, data, CTX)
    issue = next(i for i in info.value.issues if i.field == field)
    for word in words:
        assert word in issue.message


@pytest.mark.parametrize("kind, data, code", [
    (e.EventKind.MEDICATION, {"drug": "heparin", "dose": 9000.0, "dose_unit": "units", "route": "iv"}, "dose:per_kg"),
    (e.EventKind.CONTRAST, {"agent": "iohexol", "volume_ml": 350.0}, "volume_ml:high"),
    (e.EventKind.RADIATION, {"air_kerma_mgy": 5200.0}, "air_kerma_mgy:high"),
    (e.EventKind.RADIATION, {"fluoro_time_s": 2400}, "fluoro_time_s:high"),
    (e.EventKind.ACCESS, {**MINIMAL[e.EventKind.ACCESS], "sheath_fr": 10.0}, "sheath_fr:high"),
    (e.EventKind.LESION, {"vessel": "rca", "is_cto": True, "stenosis_pre_pct": 90}, "stenosis_pre_pct:cto"),
    # issue 11 item 1: a state that contradicts the kind asks (was a hard refusal for a balloon)
    (e.EventKind.DEVICE, {"device_type": "balloon", "state": "implanted"}, "state:kind"),
    (e.EventKind.DEVICE, {"device_type": "nitinol_stent", "state": "used"}, "state:kind"),
    (e.EventKind.DEVICE, {"device_type": "ivc_filter_retrievable", "state": "used"}, "state:kind"),
])
def test_soft_limits_warn_with_a_source(kind, data, code):
    warnings = validate_event(kind, data, CTX)
    assert code in {w.code for w in warnings}
    assert all(w.source for w in warnings)


@pytest.mark.parametrize("kind", list(e.DeviceType))
def test_default_state_never_asks(kind):
    """The state a kind is stored in by default never contradicts it; implantable kinds default to implanted."""
    state = e.default_state(kind)
    assert e.state_conflict(kind, state) is None
    assert (state is e.DeviceState.IMPLANTED) == (kind in e.IMPLANTABLE_DEVICES)
    assert validate_event(e.EventKind.DEVICE, {"device_type": kind.value, "state": state.value}, CTX) == []


def test_implantable_kinds():
    stents = {k for k in e.DeviceType if "stent" in k.value} | {e.DeviceType.DES, e.DeviceType.BMS}
    assert stents and stents | {e.DeviceType.IVC_FILTER_RETRIEVABLE, e.DeviceType.IVC_FILTER_PERMANENT,
                                e.DeviceType.CLOSURE_DEVICE, e.DeviceType.EMBOLIC_DEVICE} == e.IMPLANTABLE_DEVICES
    assert e.state_conflict("closure_device", "used") is None  # a closure device may or may not stay


def test_expired_device_needs_a_reason():
    data = {"device_type": "des", "state": "implanted", "expiry_date": "2026-11-01"}
    with pytest.raises(ValidationError, match="expired on 2026-11-01; it is refused unless"):
        validate_event(e.EventKind.DEVICE, data, CTX)
    assert validate_event(e.EventKind.DEVICE, {**data, "expiry_override_reason": "only size in stock, MD aware"},
                          CTX) == []


def test_heparin_warning_shows_units_per_kg():
    (warning,) = validate_event(e.EventKind.MEDICATION,
                                {"drug": "heparin", "dose": 9000.0, "dose_unit": "units", "route": "iv"}, CTX)
    assert "112 units/kg at 80 kg" in warning.message


def test_inflation_above_rated_burst_warns():
    balloon = _ev("a" * 32, e.EventKind.DEVICE, device_type="nc_balloon", state="used", rated_burst_atm=20.0)
    data = {"device_event_id": "a" * 32, "pressure_atm": 22.0, "duration_s": 15}
    (warning,) = validate_event(e.EventKind.INFLATION, data, _ctx_with(balloon))
    assert warning.code == "pressure_atm:above_rated_burst"


def test_inflation_of_a_guidewire_is_refused():
    wire = _ev("a" * 32, e.EventKind.DEVICE, device_type="guidewire", state="used")
    with pytest.raises(ValidationError, match="not inflated"):
        validate_event(e.EventKind.INFLATION, {"device_event_id": "a" * 32, "pressure_atm": 8.0, "duration_s": 5},
                       _ctx_with(wire))


@pytest.mark.parametrize("burr_mm, warns", [(1.25, True), (1.5, False), (2.0, False), (2.5, True)])
def test_burr_to_artery_ratio(burr_mm, warns):
    lesion = _ev("b" * 32, e.EventKind.LESION, vessel="rca", reference_diameter_mm=3.5)
    data = {"device_type": "ra_burr", "state": "used", "diameter_mm": burr_mm, "lesion_event_id": "b" * 32}
    codes = {w.code for w in validate_event(e.EventKind.DEVICE, data, _ctx_with(lesion))}
    assert ("diameter_mm:burr_ratio" in codes) is warns


def test_patient_limits():
    assert validate_patient(make_patient(), date(2026, 11, 21)) == []
    with pytest.raises(ValidationError, match="Weight 500 kg is out of range; allowed 20 to 350 kg"):
        validate_patient(make_patient(weight_kg=500.0), date(2026, 11, 21))
    with pytest.raises(ValidationError, match="in the future"):
        validate_patient(make_patient(birth_date="2030-01-01"), date(2026, 11, 21))
    with pytest.raises(ValidationError, match="not a real date"):
        validate_patient(make_patient(birth_date="2001-02-30"), date(2026, 11, 21))
    with pytest.raises(ValidationError, match="at most 20"):
        validate_patient(make_patient(mrn="1234567890123456789012"), date(2026, 11, 21))
    warnings = validate_patient(make_patient(creatinine_mg_dl=3.1), date(2026, 11, 21))
    assert [w.code for w in warnings] == ["creatinine_mg_dl:high"]


NUMERIC = [(kind, spec) for kind, specs in EVENT_FIELDS.items() for spec in specs if spec.is_number and spec.hard]


@pytest.mark.parametrize("kind, spec", NUMERIC, ids=[f"{k}.{s.name}" for k, s in NUMERIC])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_number_accepted_exactly_when_within_spec(kind, spec, data):
    low, high = spec.hard
    if spec.type is FieldType.INT:
        value = data.draw(st.integers(min_value=int(low) - 1000, max_value=int(high) + 1000))
    else:
        value = data.draw(st.floats(min_value=low - 1000, max_value=high + 1000, allow_nan=False).map(
            lambda v: round(v, spec.decimals)))
    errors, _ = check_value(spec, value)
    assert (not errors) == (low <= value <= high)


@given(st.text(max_size=120))
def test_text_fields_never_crash_and_respect_their_length(text):
    spec = next(s for s in EVENT_FIELDS[e.EventKind.DEVICE] if s.name == "lot")
    errors, _ = check_value(spec, text)
    if not errors and text:
        assert len(text) <= 40 and text == text.strip()


def test_normalize_gives_one_spelling():
    specs = EVENT_FIELDS[e.EventKind.ACCESS]
    out = normalize(specs, {"sheath_fr": 6, "site": "radial", "closure": None, "approach": ""})
    assert out == {"sheath_fr": 6.0, "site": "radial"} and isinstance(out["sheath_fr"], float)
    assert normalize(EVENT_FIELDS[e.EventKind.ACT], {"act_s": 250.0}) == {"act_s": 250}
