-- index audit_action
CREATE INDEX audit_action ON audit (action);

-- index audit_at
CREATE INDEX audit_at ON audit (at);

-- index audit_month
CREATE INDEX audit_month ON audit (substr(at, 1, 7), seq);

-- index audit_procedure
CREATE INDEX audit_procedure ON audit (procedure_id);

-- index audit_username
CREATE INDEX audit_username ON audit (username);

-- index case_index_category
CREATE INDEX case_index_category ON case_index (category, doc_id);

-- index case_index_mrn_key
CREATE INDEX case_index_mrn_key ON case_index (mrn_key, doc_id);

-- index case_index_name_key
CREATE INDEX case_index_name_key ON case_index (name_key, doc_id);

-- index case_index_operator_key
CREATE INDEX case_index_operator_key ON case_index (operator_key, doc_id);

-- index case_index_room_key
CREATE INDEX case_index_room_key ON case_index (room_key, doc_id);

-- index case_index_status
CREATE INDEX case_index_status ON case_index (status, doc_id);

-- index dose_report_states_state
CREATE INDEX dose_report_states_state ON dose_report_states (state, sop_instance_uid);

-- index dose_reports_received
CREATE INDEX dose_reports_received ON dose_reports (received_at);

-- index dose_reports_study
CREATE INDEX dose_reports_study ON dose_reports (study_instance_uid) WHERE study_instance_uid IS NOT NULL;

-- index event_versions_id
CREATE INDEX event_versions_id ON event_versions (event_id, version);

-- index event_versions_procedure
CREATE INDEX event_versions_procedure ON event_versions (procedure_id, occurred_at);

-- index hl7_inbox_control
CREATE INDEX hl7_inbox_control ON hl7_inbox (sending_facility, control_id);

-- index hl7_inbox_state
CREATE INDEX hl7_inbox_state ON hl7_inbox (state, inbox_id);

-- index hl7_merge_tasks_state
CREATE INDEX hl7_merge_tasks_state ON hl7_merge_tasks (state, task_id);

-- index hl7_outbox_due
CREATE INDEX hl7_outbox_due ON hl7_outbox (state, next_attempt_at);

-- index hl7_outbox_procedure
CREATE INDEX hl7_outbox_procedure ON hl7_outbox (procedure_id, message_id);

-- index idx__sqlite_migrations_migration_set_name
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");

-- index patient_versions_given
CREATE INDEX patient_versions_given ON patient_versions (given_name COLLATE NOCASE);

-- index patient_versions_id
CREATE INDEX patient_versions_id ON patient_versions (patient_id, version);

-- index patient_versions_name
CREATE INDEX patient_versions_name ON patient_versions (family_name COLLATE NOCASE);

-- index procedure_versions_id
CREATE INDEX procedure_versions_id ON procedure_versions (procedure_id, version);

-- index procedure_versions_patient
CREATE INDEX procedure_versions_patient ON procedure_versions (patient_id);

-- index procedure_versions_started
CREATE INDEX procedure_versions_started ON procedure_versions (started_at);

-- index procedure_versions_study_uid
CREATE INDEX procedure_versions_study_uid ON procedure_versions (study_instance_uid) WHERE study_instance_uid IS NOT NULL;

-- index reminder_versions_due
CREATE INDEX reminder_versions_due ON reminder_versions (due_date);

-- index reminder_versions_id
CREATE INDEX reminder_versions_id ON reminder_versions (reminder_id, version);

-- index reminder_versions_procedure
CREATE INDEX reminder_versions_procedure ON reminder_versions (procedure_id);

-- index review_versions_procedure
CREATE INDEX review_versions_procedure ON review_versions (procedure_id, version);

-- index seals_seq
CREATE INDEX seals_seq ON seals (seq, tbl, rid, version);

-- index signature_events_procedure
CREATE INDEX signature_events_procedure ON signature_events (procedure_id);

-- index worklist_all_by_due
CREATE INDEX worklist_all_by_due ON worklist_items (due_date, priority, item_key);

-- index worklist_all_by_priority
CREATE INDEX worklist_all_by_priority ON worklist_items (priority, due_date, item_key);

-- index worklist_by_due
CREATE INDEX worklist_by_due ON worklist_items (state, due_date, priority, item_key);

-- index worklist_by_priority
CREATE INDEX worklist_by_priority ON worklist_items (state, priority, due_date, item_key);

-- index worklist_operator
CREATE INDEX worklist_operator ON worklist_items (operator, state, priority, due_date, item_key);

-- index worklist_operator_all
CREATE INDEX worklist_operator_all ON worklist_items (operator, priority, due_date, item_key);

-- index worklist_operator_all_by_due
CREATE INDEX worklist_operator_all_by_due ON worklist_items (operator, due_date, priority, item_key);

-- index worklist_operator_by_due
CREATE INDEX worklist_operator_by_due ON worklist_items (operator, state, due_date, priority, item_key);

-- index worklist_procedure
CREATE INDEX worklist_procedure ON worklist_items (procedure_id);

-- index worklist_rule
CREATE INDEX worklist_rule ON worklist_items (rule_id, state, due_date, item_key);

-- index worklist_rule_all
CREATE INDEX worklist_rule_all ON worklist_items (rule_id, due_date, item_key);

-- table audit
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  username TEXT NOT NULL,
  workstation TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  procedure_id TEXT,
  old_value TEXT,
  new_value TEXT,
  reason TEXT,
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;

-- table case_index
CREATE TABLE case_index (
  doc_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL UNIQUE,
  started_at TEXT NOT NULL,
  name_key TEXT NOT NULL,
  mrn_key TEXT NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL,
  operator_key TEXT NOT NULL,
  room_key TEXT NOT NULL,
  room TEXT NOT NULL,
  names TEXT NOT NULL,
  people TEXT NOT NULL,
  ids TEXT NOT NULL,
  mrn_parts TEXT NOT NULL
) STRICT;

-- table case_search
CREATE VIRTUAL TABLE case_search USING fts5(
  names, people, ids, mrn_parts,
  content='case_index', content_rowid='doc_id',
  tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');

-- table case_search_config
CREATE TABLE 'case_search_config'(k PRIMARY KEY, v) WITHOUT ROWID;

-- table case_search_data
CREATE TABLE 'case_search_data'(id INTEGER PRIMARY KEY, block BLOB);

-- table case_search_docsize
CREATE TABLE 'case_search_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

-- table case_search_idx
CREATE TABLE 'case_search_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

-- table dose_report_files
CREATE TABLE dose_report_files (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  size INTEGER NOT NULL CHECK (size >= 1),
  content BLOB NOT NULL CHECK (length(content) = size)
) STRICT;

-- table dose_report_states
CREATE TABLE dose_report_states (
  row_id INTEGER PRIMARY KEY,
  sop_instance_uid TEXT NOT NULL REFERENCES dose_reports (sop_instance_uid),
  version INTEGER NOT NULL CHECK (version >= 1),
  state TEXT NOT NULL CHECK (state IN ('received', 'matched', 'refused', 'attached')),
  procedure_id TEXT CHECK (procedure_id IS NULL OR length(procedure_id) BETWEEN 1 AND 64),
  event_id TEXT CHECK (event_id IS NULL OR length(event_id) = 32),
  reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 1000),
  changed_at TEXT NOT NULL CHECK (strftime('%Y-%m-%dT%H:%M:%SZ', changed_at, '+0 seconds') IS changed_at),
  changed_by TEXT NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  UNIQUE (sop_instance_uid, version),
  CHECK (state NOT IN ('matched', 'attached') OR procedure_id IS NOT NULL),
  CHECK ((state = 'attached') = (event_id IS NOT NULL)),
  CHECK (state <> 'refused' OR reason IS NOT NULL),
  CHECK (version = 1 OR reason IS NOT NULL)
) STRICT;

-- table dose_reports
CREATE TABLE dose_reports (
  sop_instance_uid TEXT NOT NULL CHECK (length(sop_instance_uid) BETWEEN 1 AND 64 AND sop_instance_uid NOT GLOB '*[^0-9.]*' AND sop_instance_uid NOT GLOB '.*' AND sop_instance_uid NOT GLOB '*.' AND sop_instance_uid NOT GLOB '*..*' AND sop_instance_uid NOT GLOB '*.0[0-9]*' AND sop_instance_uid NOT GLOB '0[0-9]*') PRIMARY KEY,
  sop_class_uid TEXT NOT NULL CHECK (length(sop_class_uid) BETWEEN 1 AND 64 AND sop_class_uid NOT GLOB '*[^0-9.]*' AND sop_class_uid NOT GLOB '.*' AND sop_class_uid NOT GLOB '*.' AND sop_class_uid NOT GLOB '*..*' AND sop_class_uid NOT GLOB '*.0[0-9]*' AND sop_class_uid NOT GLOB '0[0-9]*'),
  received_at TEXT NOT NULL CHECK (strftime('%Y-%m-%dT%H:%M:%SZ', received_at, '+0 seconds') IS received_at),
  received_by TEXT NOT NULL CHECK (length(received_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('network', 'file')),
  sender TEXT NOT NULL CHECK (length(sender) BETWEEN 1 AND 255),
  file_sha256 TEXT NOT NULL REFERENCES dose_report_files (sha256),
  study_instance_uid TEXT CHECK (study_instance_uid IS NULL OR (length(study_instance_uid) BETWEEN 1 AND 64 AND study_instance_uid NOT GLOB '*[^0-9.]*' AND study_instance_uid NOT GLOB '.*' AND study_instance_uid NOT GLOB '*.' AND study_instance_uid NOT GLOB '*..*' AND study_instance_uid NOT GLOB '*.0[0-9]*' AND study_instance_uid NOT GLOB '0[0-9]*')),
  accession_number TEXT CHECK (accession_number IS NULL OR length(accession_number) BETWEEN 1 AND 16),
  patient_id TEXT CHECK (patient_id IS NULL OR length(patient_id) BETWEEN 1 AND 64),
  patient_name TEXT CHECK (patient_name IS NULL OR length(patient_name) BETWEEN 1 AND 324),
  patient_birth_date TEXT CHECK (patient_birth_date IS NULL OR length(patient_birth_date) BETWEEN 1 AND 8),
  patient_sex TEXT CHECK (patient_sex IS NULL OR length(patient_sex) BETWEEN 1 AND 16),
  manufacturer TEXT CHECK (manufacturer IS NULL OR length(manufacturer) BETWEEN 1 AND 64),
  model TEXT CHECK (model IS NULL OR length(model) BETWEEN 1 AND 64),
  device_observer TEXT CHECK (device_observer IS NULL OR length(device_observer) BETWEEN 1 AND 64),
  study_at TEXT CHECK (study_at IS NULL OR (study_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]'
    AND strftime('%Y-%m-%dT%H:%M:%S', study_at, '+0 seconds') IS study_at)),
  totals TEXT NOT NULL CHECK (json_valid(totals) AND json_type(totals) = 'object'),
  problem TEXT CHECK (problem IS NULL OR length(problem) BETWEEN 1 AND 1000)
) STRICT;

-- table event_versions
CREATE TABLE "event_versions" (
  row_id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL CHECK (length(event_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  procedure_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'medication', 'act', 'device', 'inflation', 'atherectomy', 'contrast', 'radiation', 'lesion', 'complication', 'note')),
  data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
  occurred_at TEXT NOT NULL CHECK (occurred_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  recorded_at TEXT NOT NULL CHECK (recorded_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  recorded_by TEXT NOT NULL CHECK (length(recorded_by) >= 1),
  performed_by TEXT CHECK (performed_by IS NULL OR length(performed_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1)),
  reason TEXT,
  UNIQUE (event_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1),
  CHECK ((kind = 'access' AND coalesce(json_type(data, '$.site') = 'text' AND json_extract(data, '$.site') IN ('radial', 'distal_radial', 'ulnar', 'brachial', 'femoral', 'popliteal', 'pedal_tibial', 'jugular', 'femoral_vein', 'popliteal_vein'), 0) AND coalesce(json_type(data, '$.side') = 'text' AND json_extract(data, '$.side') IN ('left', 'right', 'not_applicable'), 0) AND coalesce(json_type(data, '$.vessel_type') = 'text' AND json_extract(data, '$.vessel_type') IN ('artery', 'vein'), 0) AND (json_type(data, '$.approach') IS NULL OR coalesce(json_type(data, '$.approach') = 'text' AND json_extract(data, '$.approach') IN ('antegrade', 'retrograde', 'not_applicable'), 0)) AND coalesce(json_type(data, '$.sheath_fr') IN ('integer', 'real') AND json_extract(data, '$.sheath_fr') BETWEEN 3 AND 24, 0) AND (json_type(data, '$.sheath_length_cm') IS NULL OR coalesce(json_type(data, '$.sheath_length_cm') IN ('integer', 'real') AND json_extract(data, '$.sheath_length_cm') BETWEEN 1 AND 150, 0)) AND coalesce(json_type(data, '$.ultrasound_guided') IN ('true', 'false'), 1) AND (json_type(data, '$.closure') IS NULL OR coalesce(json_type(data, '$.closure') = 'text' AND json_extract(data, '$.closure') IN ('manual', 'suture', 'plug', 'clip', 'radial_band', 'none_yet'), 0)))
    OR (kind = 'medication' AND coalesce(json_type(data, '$.drug') = 'text' AND json_extract(data, '$.drug') IN ('heparin', 'bivalirudin', 'eptifibatide', 'tirofiban', 'abciximab', 'nitroglycerin', 'verapamil', 'adenosine', 'protamine', 'aspirin', 'clopidogrel', 'ticagrelor', 'prasugrel', 'alteplase', 'midazolam', 'fentanyl', 'atropine', 'lidocaine', 'other'), 0) AND (json_type(data, '$.drug_name') IS NULL OR coalesce(json_type(data, '$.drug_name') = 'text' AND length(json_extract(data, '$.drug_name')) BETWEEN 1 AND 100, 0)) AND coalesce(json_type(data, '$.dose') IN ('integer', 'real') AND json_extract(data, '$.dose') BETWEEN 0.001 AND 100000, 0) AND coalesce(json_type(data, '$.dose_unit') = 'text' AND json_extract(data, '$.dose_unit') IN ('units', 'mg', 'mcg', 'g', 'mL'), 0) AND coalesce(json_type(data, '$.route') = 'text' AND json_extract(data, '$.route') IN ('iv', 'ia', 'ic', 'sc', 'po', 'local'), 0))
    OR (kind = 'act' AND coalesce(json_type(data, '$.act_s') = 'integer' AND json_extract(data, '$.act_s') BETWEEN 50 AND 1100, 0) AND (json_type(data, '$.act_device') IS NULL OR coalesce(json_type(data, '$.act_device') = 'text' AND json_extract(data, '$.act_device') IN ('hemochron', 'hemotec', 'i_stat', 'other'), 0)) AND (json_type(data, '$.cartridge') IS NULL OR coalesce(json_type(data, '$.cartridge') = 'text' AND length(json_extract(data, '$.cartridge')) BETWEEN 1 AND 40, 0)))
    OR (kind = 'device' AND coalesce(json_type(data, '$.device_type') = 'text' AND json_extract(data, '$.device_type') IN ('balloon', 'nc_balloon', 'dcb', 'des', 'bms', 'covered_stent', 'nitinol_stent', 'venous_stent', 'ra_burr', 'orbital_crown', 'ivc_filter_retrievable', 'ivc_filter_permanent', 'guidewire', 'guide_catheter', 'microcatheter', 'thrombectomy_catheter', 'closure_device', 'embolic_device', 'sheath', 'other'), 0) AND (json_type(data, '$.manufacturer') IS NULL OR coalesce(json_type(data, '$.manufacturer') = 'text' AND length(json_extract(data, '$.manufacturer')) BETWEEN 1 AND 100, 0)) AND (json_type(data, '$.model') IS NULL OR coalesce(json_type(data, '$.model') = 'text' AND length(json_extract(data, '$.model')) BETWEEN 1 AND 100, 0)) AND (json_type(data, '$.catalog_number') IS NULL OR coalesce(json_type(data, '$.catalog_number') = 'text' AND length(json_extract(data, '$.catalog_number')) BETWEEN 1 AND 60, 0)) AND (json_type(data, '$.lot') IS NULL OR coalesce(json_type(data, '$.lot') = 'text' AND length(json_extract(data, '$.lot')) BETWEEN 1 AND 40, 0)) AND (json_type(data, '$.serial') IS NULL OR coalesce(json_type(data, '$.serial') = 'text' AND length(json_extract(data, '$.serial')) BETWEEN 1 AND 40, 0)) AND (json_type(data, '$.gtin') IS NULL OR coalesce(json_type(data, '$.gtin') = 'text' AND length(json_extract(data, '$.gtin')) BETWEEN 1 AND 14, 0)) AND (json_type(data, '$.udi') IS NULL OR coalesce(json_type(data, '$.udi') = 'text' AND length(json_extract(data, '$.udi')) BETWEEN 1 AND 200, 0)) AND (json_type(data, '$.expiry_date') IS NULL OR coalesce(json_type(data, '$.expiry_date') = 'text' AND json_extract(data, '$.expiry_date') GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND date(json_extract(data, '$.expiry_date'), '+0 days') IS json_extract(data, '$.expiry_date'), 0)) AND (json_type(data, '$.expiry_override_reason') IS NULL OR coalesce(json_type(data, '$.expiry_override_reason') = 'text' AND length(json_extract(data, '$.expiry_override_reason')) BETWEEN 1 AND 200, 0)) AND (json_type(data, '$.diameter_mm') IS NULL OR coalesce(json_type(data, '$.diameter_mm') IN ('integer', 'real') AND json_extract(data, '$.diameter_mm') BETWEEN 0.2 AND 45, 0)) AND (json_type(data, '$.length_mm') IS NULL OR coalesce(json_type(data, '$.length_mm') IN ('integer', 'real') AND json_extract(data, '$.length_mm') BETWEEN 1 AND 300, 0)) AND coalesce(json_type(data, '$.state') = 'text' AND json_extract(data, '$.state') IN ('opened', 'used', 'implanted', 'wasted', 'returned', 'retrieved', 'explanted', 'retrieval_failed'), 0) AND (json_type(data, '$.nominal_atm') IS NULL OR coalesce(json_type(data, '$.nominal_atm') IN ('integer', 'real') AND json_extract(data, '$.nominal_atm') BETWEEN 1 AND 30, 0)) AND (json_type(data, '$.rated_burst_atm') IS NULL OR coalesce(json_type(data, '$.rated_burst_atm') IN ('integer', 'real') AND json_extract(data, '$.rated_burst_atm') BETWEEN 1 AND 30, 0)) AND (json_type(data, '$.lesion_event_id') IS NULL OR coalesce(json_type(data, '$.lesion_event_id') = 'text' AND length(json_extract(data, '$.lesion_event_id')) >= 1, 0)) AND (json_type(data, '$.delivered_with_event_id') IS NULL OR coalesce(json_type(data, '$.delivered_with_event_id') = 'text' AND length(json_extract(data, '$.delivered_with_event_id')) >= 1, 0)) AND (json_type(data, '$.removes_event_id') IS NULL OR coalesce(json_type(data, '$.removes_event_id') = 'text' AND length(json_extract(data, '$.removes_event_id')) BETWEEN 1 AND 32, 0)))
    OR (kind = 'inflation' AND coalesce(json_type(data, '$.device_event_id') = 'text' AND length(json_extract(data, '$.device_event_id')) >= 1, 0) AND coalesce(json_type(data, '$.pressure_atm') IN ('integer', 'real') AND json_extract(data, '$.pressure_atm') BETWEEN 1 AND 30, 0) AND coalesce(json_type(data, '$.duration_s') = 'integer' AND json_extract(data, '$.duration_s') BETWEEN 1 AND 1800, 0))
    OR (kind = 'atherectomy' AND coalesce(json_type(data, '$.device_event_id') = 'text' AND length(json_extract(data, '$.device_event_id')) >= 1, 0) AND coalesce(json_type(data, '$.speed_rpm') = 'integer' AND json_extract(data, '$.speed_rpm') BETWEEN 10000 AND 250000, 0) AND coalesce(json_type(data, '$.duration_s') = 'integer' AND json_extract(data, '$.duration_s') BETWEEN 1 AND 600, 0))
    OR (kind = 'contrast' AND coalesce(json_type(data, '$.agent') = 'text' AND json_extract(data, '$.agent') IN ('iohexol', 'iodixanol', 'iopamidol', 'ioversol', 'iopromide', 'co2', 'other'), 0) AND (json_type(data, '$.concentration_mgi_ml') IS NULL OR coalesce(json_type(data, '$.concentration_mgi_ml') = 'integer' AND json_extract(data, '$.concentration_mgi_ml') BETWEEN 100 AND 400, 0)) AND coalesce(json_type(data, '$.volume_ml') IN ('integer', 'real') AND json_extract(data, '$.volume_ml') BETWEEN 0.1 AND 1000, 0))
    OR (kind = 'radiation' AND (json_type(data, '$.fluoro_time_s') IS NULL OR coalesce(json_type(data, '$.fluoro_time_s') = 'integer' AND json_extract(data, '$.fluoro_time_s') BETWEEN 0 AND 18000, 0)) AND (json_type(data, '$.air_kerma_mgy') IS NULL OR coalesce(json_type(data, '$.air_kerma_mgy') IN ('integer', 'real') AND json_extract(data, '$.air_kerma_mgy') BETWEEN 0 AND 30000, 0)) AND (json_type(data, '$.dap_gy_cm2') IS NULL OR coalesce(json_type(data, '$.dap_gy_cm2') IN ('integer', 'real') AND json_extract(data, '$.dap_gy_cm2') BETWEEN 0 AND 2000, 0)))
    OR (kind = 'lesion' AND coalesce(json_type(data, '$.vessel') = 'text' AND json_extract(data, '$.vessel') IN ('lm', 'lad', 'diagonal', 'lcx', 'om', 'rca', 'pda', 'svg', 'aorta', 'cia', 'eia', 'common_femoral', 'sfa', 'popliteal', 'anterior_tibial', 'posterior_tibial', 'peroneal', 'tibioperoneal_trunk', 'dorsalis_pedis', 'plantar', 'ivc', 'civ', 'eiv', 'common_femoral_vein', 'femoral_vein', 'popliteal_vein', 'other'), 0) AND (json_type(data, '$.segment') IS NULL OR coalesce(json_type(data, '$.segment') = 'text' AND length(json_extract(data, '$.segment')) BETWEEN 1 AND 60, 0)) AND (json_type(data, '$.stenosis_pre_pct') IS NULL OR coalesce(json_type(data, '$.stenosis_pre_pct') = 'integer' AND json_extract(data, '$.stenosis_pre_pct') BETWEEN 0 AND 100, 0)) AND (json_type(data, '$.stenosis_post_pct') IS NULL OR coalesce(json_type(data, '$.stenosis_post_pct') = 'integer' AND json_extract(data, '$.stenosis_post_pct') BETWEEN 0 AND 100, 0)) AND coalesce(json_type(data, '$.is_cto') IN ('true', 'false'), 1) AND (json_type(data, '$.cto_duration_months') IS NULL OR coalesce(json_type(data, '$.cto_duration_months') IN ('integer', 'real') AND json_extract(data, '$.cto_duration_months') BETWEEN 0 AND 600, 0)) AND (json_type(data, '$.calcification') IS NULL OR coalesce(json_type(data, '$.calcification') = 'text' AND json_extract(data, '$.calcification') IN ('none', 'mild', 'moderate', 'severe'), 0)) AND (json_type(data, '$.timi_pre') IS NULL OR coalesce(json_type(data, '$.timi_pre') = 'integer' AND json_extract(data, '$.timi_pre') BETWEEN 0 AND 3, 0)) AND (json_type(data, '$.timi_post') IS NULL OR coalesce(json_type(data, '$.timi_post') = 'integer' AND json_extract(data, '$.timi_post') BETWEEN 0 AND 3, 0)) AND (json_type(data, '$.length_mm') IS NULL OR coalesce(json_type(data, '$.length_mm') IN ('integer', 'real') AND json_extract(data, '$.length_mm') BETWEEN 1 AND 500, 0)) AND (json_type(data, '$.reference_diameter_mm') IS NULL OR coalesce(json_type(data, '$.reference_diameter_mm') IN ('integer', 'real') AND json_extract(data, '$.reference_diameter_mm') BETWEEN 0.5 AND 45, 0)))
    OR (kind = 'complication' AND coalesce(json_type(data, '$.complication') = 'text' AND json_extract(data, '$.complication') IN ('bleeding', 'hematoma', 'pseudoaneurysm', 'av_fistula', 'dissection', 'perforation', 'no_reflow', 'embolization', 'vessel_damage', 'vein_damage', 'stent_thrombosis', 'pulmonary_embolism', 'tamponade', 'arrhythmia', 'contrast_reaction', 'anesthesia_reaction', 'infection', 'stroke', 'myocardial_infarction', 'death', 'other'), 0) AND coalesce(json_type(data, '$.severity') = 'text' AND json_extract(data, '$.severity') IN ('mild', 'moderate', 'severe', 'life_threatening', 'fatal'), 0) AND (json_type(data, '$.description') IS NULL OR coalesce(json_type(data, '$.description') = 'text' AND length(json_extract(data, '$.description')) BETWEEN 1 AND 1000, 0)) AND (json_type(data, '$.treatment') IS NULL OR coalesce(json_type(data, '$.treatment') = 'text' AND length(json_extract(data, '$.treatment')) BETWEEN 1 AND 1000, 0)))
    OR (kind = 'note' AND coalesce(json_type(data, '$.text') = 'text' AND length(json_extract(data, '$.text')) BETWEEN 1 AND 4000, 0)))
) STRICT;

-- table hl7_inbox
CREATE TABLE hl7_inbox (
  inbox_id INTEGER PRIMARY KEY,
  received_at TEXT NOT NULL CHECK (received_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', received_at, '+0 seconds') IS received_at)),
  peer TEXT NOT NULL,
  sending_application TEXT NOT NULL,
  sending_facility TEXT NOT NULL,
  message_type TEXT NOT NULL,
  control_id TEXT NOT NULL,
  message TEXT NOT NULL CHECK (length(message) >= 1),
  state TEXT NOT NULL CHECK (state IN ('applied', 'failed', 'rejected', 'task')),
  ack_code TEXT NOT NULL CHECK (ack_code IN ('AA', 'AE', 'AR')),
  error TEXT,
  patient_id TEXT CHECK (patient_id IS NULL OR length(patient_id) = 32),
  attempts INTEGER NOT NULL CHECK (attempts >= 1),
  last_attempt_at TEXT NOT NULL CHECK (last_attempt_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', last_attempt_at, '+0 seconds') IS last_attempt_at)),
  CHECK (state IN ('applied', 'task') OR length(error) >= 1)
) STRICT;

-- table hl7_merge_tasks
CREATE TABLE hl7_merge_tasks (
  task_id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL UNIQUE REFERENCES hl7_inbox (inbox_id),
  created_at TEXT NOT NULL CHECK (created_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 seconds') IS created_at)),
  surviving_mrn TEXT NOT NULL CHECK (length(surviving_mrn) >= 1),
  prior_mrn TEXT NOT NULL CHECK (length(prior_mrn) >= 1),
  state TEXT NOT NULL CHECK (state IN ('open', 'linked', 'dismissed')),
  decided_at TEXT CHECK (decided_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', decided_at, '+0 seconds') IS decided_at)),
  decided_by TEXT,
  note TEXT,
  CHECK (state = 'open' OR (decided_at IS NOT NULL AND length(decided_by) >= 1 AND length(note) >= 1))
) STRICT;

-- table hl7_outbox
CREATE TABLE hl7_outbox (
  message_id INTEGER PRIMARY KEY,
  control_id TEXT NOT NULL UNIQUE CHECK (length(control_id) BETWEEN 1 AND 20),
  procedure_id TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('sign', 'addendum')),
  message_type TEXT NOT NULL CHECK (message_type IN ('ORU^R01', 'MDM^T02')),
  queued_at TEXT NOT NULL CHECK (queued_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', queued_at, '+0 seconds') IS queued_at)),
  queued_by TEXT NOT NULL CHECK (length(queued_by) >= 1),
  destination TEXT NOT NULL CHECK (length(destination) >= 1),
  message TEXT CHECK (message IS NULL OR length(message) >= 1),
  pdf_sha256 TEXT CHECK (pdf_sha256 IS NULL OR length(pdf_sha256) = 64),
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'acknowledged', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT NOT NULL CHECK (next_attempt_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', next_attempt_at, '+0 seconds') IS next_attempt_at)),
  last_attempt_at TEXT CHECK (last_attempt_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', last_attempt_at, '+0 seconds') IS last_attempt_at)),
  acknowledged_at TEXT CHECK (acknowledged_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', acknowledged_at, '+0 seconds') IS acknowledged_at)),
  ack_code TEXT CHECK (ack_code IS NULL OR ack_code IN ('AA', 'AE', 'AR', 'CA', 'CE', 'CR')),
  reason TEXT,
  CHECK (state <> 'acknowledged' OR (acknowledged_at IS NOT NULL AND message IS NOT NULL)),
  CHECK (state <> 'failed' OR length(reason) >= 1)
) STRICT;

-- table import_job_records
CREATE TABLE import_job_records (
  job_id TEXT NOT NULL REFERENCES import_jobs (job_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  procedure_id TEXT NOT NULL,
  record TEXT NOT NULL CHECK (json_valid(record)),
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (job_id, seq)
) STRICT;

-- table import_jobs
CREATE TABLE import_jobs (
  job_id TEXT PRIMARY KEY CHECK (length(job_id) = 32),
  source TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  username TEXT NOT NULL,
  workstation TEXT NOT NULL,
  created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  total INTEGER NOT NULL CHECK (total >= 0),
  state TEXT NOT NULL CHECK (state IN ('staging', 'ready', 'done'))
) STRICT;

-- table patient_mrns
CREATE TABLE patient_mrns (
  mrn_norm TEXT PRIMARY KEY,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32)
) STRICT;

-- table patient_versions
CREATE TABLE patient_versions (
  row_id INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  mrn_norm TEXT NOT NULL CHECK (length(mrn_norm) >= 1),
  mrn TEXT NOT NULL CHECK (mrn IS NULL OR coalesce(length(mrn) BETWEEN 1 AND 20, 0)),
  family_name TEXT NOT NULL CHECK (family_name IS NULL OR coalesce(length(family_name) BETWEEN 1 AND 100, 0)),
  given_name TEXT CHECK (given_name IS NULL OR coalesce(length(given_name) BETWEEN 1 AND 100, 0)),
  birth_date TEXT NOT NULL CHECK (birth_date IS NULL OR coalesce(birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND date(birth_date, '+0 days') IS birth_date, 0)),
  sex TEXT NOT NULL CHECK (sex IS NULL OR coalesce(sex IN ('female', 'male', 'other', 'unknown'), 0)),
  weight_kg REAL CHECK (weight_kg IS NULL OR coalesce(weight_kg BETWEEN 20 AND 350, 0)),
  height_cm REAL CHECK (height_cm IS NULL OR coalesce(height_cm BETWEEN 100 AND 250, 0)),
  creatinine_mg_dl REAL CHECK (creatinine_mg_dl IS NULL OR coalesce(creatinine_mg_dl BETWEEN 0.1 AND 25, 0)),
  egfr_ml_min REAL CHECK (egfr_ml_min IS NULL OR coalesce(egfr_ml_min BETWEEN 0 AND 200, 0)),
  allergies TEXT CHECK (allergies IS NULL OR coalesce(length(allergies) BETWEEN 1 AND 500, 0)),
  anticoagulation TEXT CHECK (anticoagulation IS NULL OR coalesce(anticoagulation IN ('none', 'warfarin', 'apixaban', 'rivaroxaban', 'dabigatran', 'edoxaban', 'lmwh', 'heparin_infusion', 'other'), 0)),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT,
  UNIQUE (patient_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT;

-- table procedure_versions
CREATE TABLE procedure_versions (
  row_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL CHECK (length(procedure_id) BETWEEN 1 AND 64),
  version INTEGER NOT NULL CHECK (version >= 1),
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  category TEXT NOT NULL CHECK (category IS NULL OR coalesce(category IN ('coronary', 'peripheral_arterial', 'venous'), 0)),
  planned TEXT NOT NULL CHECK (planned IS NULL OR coalesce(json_valid(planned) AND json_type(planned) = 'array', 0)),
  indication TEXT NOT NULL CHECK (indication IS NULL OR coalesce(indication IN ('stemi', 'nstemi', 'ua', 'sihd', 'claudication', 'clti', 'acute_limb_ischemia', 'dvt', 'pts', 'nivl_may_thurner', 'pe_prophylaxis', 'other'), 0)),
  indication_detail TEXT CHECK (indication_detail IS NULL OR coalesce(length(indication_detail) BETWEEN 1 AND 200, 0)),
  urgency TEXT NOT NULL CHECK (urgency IS NULL OR coalesce(urgency IN ('elective', 'urgent', 'emergency', 'salvage'), 0)),
  room TEXT CHECK (room IS NULL OR coalesce(length(room) BETWEEN 1 AND 40, 0)),
  act_target_low_s INTEGER CHECK (act_target_low_s IS NULL OR coalesce(act_target_low_s BETWEEN 100 AND 600, 0)),
  act_target_high_s INTEGER CHECK (act_target_high_s IS NULL OR coalesce(act_target_high_s BETWEEN 100 AND 600, 0)),
  started_at TEXT NOT NULL CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'signed')),
  team TEXT NOT NULL CHECK (json_valid(team) AND json_type(team) = 'array'),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT, patient_version INTEGER CHECK (patient_version IS NULL OR patient_version >= 1), accession_number TEXT CHECK (accession_number IS NULL OR coalesce(length(accession_number) BETWEEN 1 AND 16, 0)), study_instance_uid TEXT CHECK (study_instance_uid IS NULL OR coalesce(length(study_instance_uid) BETWEEN 1 AND 64 AND study_instance_uid NOT GLOB '*[^0-9.]*' AND study_instance_uid NOT GLOB '.*' AND study_instance_uid NOT GLOB '*.' AND study_instance_uid NOT GLOB '*..*' AND study_instance_uid NOT GLOB '*.0[0-9]*' AND study_instance_uid NOT GLOB '0[0-9]*', 0)), requested_procedure TEXT CHECK (requested_procedure IS NULL OR coalesce(length(requested_procedure) BETWEEN 1 AND 64, 0)),
  UNIQUE (procedure_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT;

-- table reminder_versions
CREATE TABLE reminder_versions (
  row_id INTEGER PRIMARY KEY,
  reminder_id TEXT NOT NULL CHECK (length(reminder_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  procedure_id TEXT NOT NULL,
  rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 10),
  due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' AND date(due_date, '+0 days') IS due_date),
  suggested_due TEXT NOT NULL CHECK (suggested_due GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
  source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
  status TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'dismissed', 'done')),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT,
  UNIQUE (reminder_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT;

-- table review_versions
CREATE TABLE review_versions (
  row_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT,
  UNIQUE (procedure_id, version)
) STRICT;

-- table seals
CREATE TABLE seals (
  tbl TEXT NOT NULL,
  rid TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 0),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  row_hash TEXT NOT NULL CHECK (length(row_hash) = 64),
  PRIMARY KEY (tbl, rid, version)
) WITHOUT ROWID, STRICT;

-- table settings
CREATE TABLE settings (
  key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
  value TEXT NOT NULL
) STRICT;

-- table signature_events
CREATE TABLE signature_events (
  seq INTEGER PRIMARY KEY,
  signature_id TEXT NOT NULL CHECK (length(signature_id) = 32),
  procedure_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('sign', 'supersede')),
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  meaning TEXT CHECK (meaning IS NULL OR meaning IN ('authored', 'reviewed', 'approved')),
  at TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  content_hash TEXT CHECK (content_hash IS NULL OR length(content_hash) = 64),
  reason TEXT,
  CHECK (action = 'supersede' OR (meaning IS NOT NULL AND content_hash IS NOT NULL))
) STRICT;

-- table users
CREATE TABLE users (
  username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^a-z0-9._-]*'),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  role TEXT NOT NULL CHECK (role IN ('nurse', 'physician', 'admin')),
  password_hash TEXT NOT NULL CHECK (password_hash GLOB '$argon2id$*'),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')
, removed_at TEXT CHECK (removed_at IS NULL OR (strftime('%Y-%m-%dT%H:%M:%SZ', removed_at, '+0 seconds') IS removed_at))) STRICT;

-- table worklist_items
CREATE TABLE worklist_items (
  item_key TEXT PRIMARY KEY CHECK (length(item_key) BETWEEN 1 AND 200),
  reminder_id TEXT CHECK (reminder_id IS NULL OR length(reminder_id) = 32),
  version INTEGER CHECK (version IS NULL OR version >= 1),
  procedure_id TEXT NOT NULL,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 10),
  priority INTEGER NOT NULL CHECK (priority >= 0),
  due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  suggested_due TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'dismissed')),
  pending INTEGER NOT NULL CHECK (pending IN (0, 1)),
  operator TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  source TEXT NOT NULL,
  CHECK (pending = 1 OR reminder_id IS NOT NULL)
) WITHOUT ROWID, STRICT;

-- table worklist_marks
CREATE TABLE worklist_marks (
  tbl TEXT PRIMARY KEY CHECK (tbl IN ('event_versions', 'procedure_versions', 'reminder_versions')),
  row_id INTEGER NOT NULL CHECK (row_id >= 0)
) WITHOUT ROWID, STRICT;

-- trigger audit_at_real_time
CREATE TRIGGER audit_at_real_time BEFORE INSERT ON audit
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.at, '+0 seconds') IS NEW.at)
BEGIN SELECT RAISE(ABORT, 'audit.at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger audit_no_delete
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

-- trigger audit_no_update
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

-- trigger dose_report_files_no_delete
CREATE TRIGGER dose_report_files_no_delete BEFORE DELETE ON dose_report_files BEGIN SELECT RAISE(ABORT, 'dose_report_files rows are append-only'); END;

-- trigger dose_report_files_no_update
CREATE TRIGGER dose_report_files_no_update BEFORE UPDATE ON dose_report_files BEGIN SELECT RAISE(ABORT, 'dose_report_files rows are append-only'); END;

-- trigger dose_report_states_no_delete
CREATE TRIGGER dose_report_states_no_delete BEFORE DELETE ON dose_report_states BEGIN SELECT RAISE(ABORT, 'dose_report_states rows are append-only'); END;

-- trigger dose_report_states_no_update
CREATE TRIGGER dose_report_states_no_update BEFORE UPDATE ON dose_report_states BEGIN SELECT RAISE(ABORT, 'dose_report_states rows are append-only'); END;

-- trigger dose_reports_no_delete
CREATE TRIGGER dose_reports_no_delete BEFORE DELETE ON dose_reports BEGIN SELECT RAISE(ABORT, 'dose_reports rows are append-only'); END;

-- trigger dose_reports_no_update
CREATE TRIGGER dose_reports_no_update BEFORE UPDATE ON dose_reports BEGIN SELECT RAISE(ABORT, 'dose_reports rows are append-only'); END;

-- trigger event_versions_fields_14
CREATE TRIGGER event_versions_fields_14 BEFORE INSERT ON event_versions
WHEN NOT (
    (NEW.kind <> 'radiation' OR ((json_type(NEW.data, '$.source') IS NULL OR coalesce(json_type(NEW.data, '$.source') = 'text' AND json_extract(NEW.data, '$.source') IN ('rdsr'), 0)) AND (json_type(NEW.data, '$.sop_instance_uid') IS NULL OR coalesce(json_type(NEW.data, '$.sop_instance_uid') = 'text' AND length(json_extract(NEW.data, '$.sop_instance_uid')) BETWEEN 1 AND 64 AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '*[^0-9.]*' AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '.*' AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '*.' AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '*..*' AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '*.0[0-9]*' AND json_extract(NEW.data, '$.sop_instance_uid') NOT GLOB '0[0-9]*', 0)) AND (json_type(NEW.data, '$.device_manufacturer') IS NULL OR coalesce(json_type(NEW.data, '$.device_manufacturer') = 'text' AND length(json_extract(NEW.data, '$.device_manufacturer')) BETWEEN 1 AND 64, 0)) AND (json_type(NEW.data, '$.device_model') IS NULL OR coalesce(json_type(NEW.data, '$.device_model') = 'text' AND length(json_extract(NEW.data, '$.device_model')) BETWEEN 1 AND 64, 0)) AND (json_type(NEW.data, '$.device_observer') IS NULL OR coalesce(json_type(NEW.data, '$.device_observer') = 'text' AND length(json_extract(NEW.data, '$.device_observer')) BETWEEN 1 AND 64, 0)) AND (json_type(NEW.data, '$.planes') IS NULL OR coalesce(json_type(NEW.data, '$.planes') = 'integer' AND json_extract(NEW.data, '$.planes') BETWEEN 1 AND 2, 0)) AND (json_type(NEW.data, '$.fluoro_dap_gy_cm2') IS NULL OR coalesce(json_type(NEW.data, '$.fluoro_dap_gy_cm2') IN ('integer', 'real') AND json_extract(NEW.data, '$.fluoro_dap_gy_cm2') BETWEEN 0 AND 2000, 0)) AND (json_type(NEW.data, '$.acquisition_dap_gy_cm2') IS NULL OR coalesce(json_type(NEW.data, '$.acquisition_dap_gy_cm2') IN ('integer', 'real') AND json_extract(NEW.data, '$.acquisition_dap_gy_cm2') BETWEEN 0 AND 2000, 0)) AND (json_type(NEW.data, '$.fluoro_air_kerma_mgy') IS NULL OR coalesce(json_type(NEW.data, '$.fluoro_air_kerma_mgy') IN ('integer', 'real') AND json_extract(NEW.data, '$.fluoro_air_kerma_mgy') BETWEEN 0 AND 30000, 0)) AND (json_type(NEW.data, '$.acquisition_air_kerma_mgy') IS NULL OR coalesce(json_type(NEW.data, '$.acquisition_air_kerma_mgy') IN ('integer', 'real') AND json_extract(NEW.data, '$.acquisition_air_kerma_mgy') BETWEEN 0 AND 30000, 0)) AND (json_type(NEW.data, '$.acquisition_time_s') IS NULL OR coalesce(json_type(NEW.data, '$.acquisition_time_s') = 'integer' AND json_extract(NEW.data, '$.acquisition_time_s') BETWEEN 0 AND 18000, 0)) AND (json_type(NEW.data, '$.air_kerma_plane_a_mgy') IS NULL OR coalesce(json_type(NEW.data, '$.air_kerma_plane_a_mgy') IN ('integer', 'real') AND json_extract(NEW.data, '$.air_kerma_plane_a_mgy') BETWEEN 0 AND 30000, 0)) AND (json_type(NEW.data, '$.air_kerma_plane_b_mgy') IS NULL OR coalesce(json_type(NEW.data, '$.air_kerma_plane_b_mgy') IN ('integer', 'real') AND json_extract(NEW.data, '$.air_kerma_plane_b_mgy') BETWEEN 0 AND 30000, 0)) AND (json_type(NEW.data, '$.dap_plane_a_gy_cm2') IS NULL OR coalesce(json_type(NEW.data, '$.dap_plane_a_gy_cm2') IN ('integer', 'real') AND json_extract(NEW.data, '$.dap_plane_a_gy_cm2') BETWEEN 0 AND 2000, 0)) AND (json_type(NEW.data, '$.dap_plane_b_gy_cm2') IS NULL OR coalesce(json_type(NEW.data, '$.dap_plane_b_gy_cm2') IN ('integer', 'real') AND json_extract(NEW.data, '$.dap_plane_b_gy_cm2') BETWEEN 0 AND 2000, 0)) AND (json_type(NEW.data, '$.fluoro_time_plane_a_s') IS NULL OR coalesce(json_type(NEW.data, '$.fluoro_time_plane_a_s') = 'integer' AND json_extract(NEW.data, '$.fluoro_time_plane_a_s') BETWEEN 0 AND 18000, 0)) AND (json_type(NEW.data, '$.fluoro_time_plane_b_s') IS NULL OR coalesce(json_type(NEW.data, '$.fluoro_time_plane_b_s') = 'integer' AND json_extract(NEW.data, '$.fluoro_time_plane_b_s') BETWEEN 0 AND 18000, 0)))))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: event data (fields of schema 14)'); END;

-- trigger event_versions_fields_8
CREATE TRIGGER event_versions_fields_8 BEFORE INSERT ON event_versions
WHEN NOT (
    (NEW.kind <> 'access' OR ((json_type(NEW.data, '$.access_vessel') IS NULL OR coalesce(json_type(NEW.data, '$.access_vessel') = 'text' AND json_extract(NEW.data, '$.access_vessel') IN ('radial_artery', 'distal_radial_artery', 'ulnar_artery', 'brachial_artery', 'common_femoral_artery', 'superficial_femoral_artery', 'popliteal_artery', 'anterior_tibial_artery', 'posterior_tibial_artery', 'dorsalis_pedis_artery', 'peroneal_artery', 'internal_jugular_vein', 'common_femoral_vein', 'femoral_vein', 'popliteal_vein'), 0))))
    AND (NEW.kind <> 'lesion' OR ((json_type(NEW.data, '$.side') IS NULL OR coalesce(json_type(NEW.data, '$.side') = 'text' AND json_extract(NEW.data, '$.side') IN ('left', 'right', 'not_applicable'), 0)) AND (json_type(NEW.data, '$.btk_segment') IS NULL OR coalesce(json_type(NEW.data, '$.btk_segment') = 'text' AND json_extract(NEW.data, '$.btk_segment') IN ('ostial', 'proximal_third', 'mid_third', 'distal_third', 'pedal'), 0)) AND (json_type(NEW.data, '$.runoff_vessels') IS NULL OR coalesce(json_type(NEW.data, '$.runoff_vessels') = 'array', 0)) AND (json_type(NEW.data, '$.vein_segment') IS NULL OR coalesce(json_type(NEW.data, '$.vein_segment') = 'text' AND json_extract(NEW.data, '$.vein_segment') IN ('ivc', 'common_iliac_vein', 'external_iliac_vein', 'common_femoral_vein', 'femoral_vein_proximal', 'femoral_vein_mid', 'femoral_vein_distal', 'popliteal_vein'), 0))))
    AND (NEW.kind <> 'complication' OR ((json_type(NEW.data, '$.dissection_grade') IS NULL OR coalesce(json_type(NEW.data, '$.dissection_grade') = 'text' AND json_extract(NEW.data, '$.dissection_grade') IN ('A', 'B', 'C', 'D', 'E', 'F'), 0)) AND (json_type(NEW.data, '$.flow_limiting') IS NULL OR coalesce(json_type(NEW.data, '$.flow_limiting') = 'text' AND json_extract(NEW.data, '$.flow_limiting') IN ('yes', 'no'), 0)) AND (json_type(NEW.data, '$.treated_with_event_id') IS NULL OR coalesce(json_type(NEW.data, '$.treated_with_event_id') = 'text' AND length(json_extract(NEW.data, '$.treated_with_event_id')) >= 1, 0)))))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: event data (fields of schema 8)'); END;

-- trigger event_versions_no_delete
CREATE TRIGGER event_versions_no_delete BEFORE DELETE ON event_versions BEGIN SELECT RAISE(ABORT, 'event_versions rows are append-only'); END;

-- trigger event_versions_no_update
CREATE TRIGGER event_versions_no_update BEFORE UPDATE ON event_versions BEGIN SELECT RAISE(ABORT, 'event_versions rows are append-only'); END;

-- trigger event_versions_occurred_at_real_time
CREATE TRIGGER event_versions_occurred_at_real_time BEFORE INSERT ON event_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.occurred_at, '+0 seconds') IS NEW.occurred_at)
BEGIN SELECT RAISE(ABORT, 'event_versions.occurred_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger event_versions_recorded_at_real_time
CREATE TRIGGER event_versions_recorded_at_real_time BEFORE INSERT ON event_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.recorded_at, '+0 seconds') IS NEW.recorded_at)
BEGIN SELECT RAISE(ABORT, 'event_versions.recorded_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger hl7_inbox_message_fixed
CREATE TRIGGER hl7_inbox_message_fixed BEFORE UPDATE OF message, control_id, received_at ON hl7_inbox BEGIN SELECT RAISE(ABORT, 'a received HL7 message is kept as it came'); END;

-- trigger hl7_inbox_no_delete
CREATE TRIGGER hl7_inbox_no_delete BEFORE DELETE ON hl7_inbox BEGIN SELECT RAISE(ABORT, 'hl7_inbox rows are never deleted'); END;

-- trigger hl7_merge_tasks_decided_once
CREATE TRIGGER hl7_merge_tasks_decided_once BEFORE UPDATE ON hl7_merge_tasks WHEN OLD.state <> 'open' BEGIN SELECT RAISE(ABORT, 'a decided merge task stays decided'); END;

-- trigger hl7_merge_tasks_no_delete
CREATE TRIGGER hl7_merge_tasks_no_delete BEFORE DELETE ON hl7_merge_tasks BEGIN SELECT RAISE(ABORT, 'hl7_merge_tasks rows are never deleted'); END;

-- trigger hl7_outbox_message_fixed
CREATE TRIGGER hl7_outbox_message_fixed BEFORE UPDATE OF message, control_id, pdf_sha256 ON hl7_outbox WHEN OLD.message IS NOT NULL OR OLD.control_id IS NOT NEW.control_id BEGIN SELECT RAISE(ABORT, 'an outbound HL7 message never changes once built'); END;

-- trigger hl7_outbox_no_delete
CREATE TRIGGER hl7_outbox_no_delete BEFORE DELETE ON hl7_outbox BEGIN SELECT RAISE(ABORT, 'hl7_outbox rows are never deleted'); END;

-- trigger import_jobs_created_at_real_time
CREATE TRIGGER import_jobs_created_at_real_time BEFORE INSERT ON import_jobs
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.created_at, '+0 seconds') IS NEW.created_at)
BEGIN SELECT RAISE(ABORT, 'import_jobs.created_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger patient_mrns_no_delete
CREATE TRIGGER patient_mrns_no_delete BEFORE DELETE ON patient_mrns BEGIN SELECT RAISE(ABORT, 'patient_mrns rows are append-only'); END;

-- trigger patient_mrns_no_update
CREATE TRIGGER patient_mrns_no_update BEFORE UPDATE ON patient_mrns BEGIN SELECT RAISE(ABORT, 'patient_mrns rows are append-only'); END;

-- trigger patient_versions_changed_at_real_time
CREATE TRIGGER patient_versions_changed_at_real_time BEFORE INSERT ON patient_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.changed_at, '+0 seconds') IS NEW.changed_at)
BEGIN SELECT RAISE(ABORT, 'patient_versions.changed_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger patient_versions_no_delete
CREATE TRIGGER patient_versions_no_delete BEFORE DELETE ON patient_versions BEGIN SELECT RAISE(ABORT, 'patient_versions rows are append-only'); END;

-- trigger patient_versions_no_update
CREATE TRIGGER patient_versions_no_update BEFORE UPDATE ON patient_versions BEGIN SELECT RAISE(ABORT, 'patient_versions rows are append-only'); END;

-- trigger procedure_versions_changed_at_real_time
CREATE TRIGGER procedure_versions_changed_at_real_time BEFORE INSERT ON procedure_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.changed_at, '+0 seconds') IS NEW.changed_at)
BEGIN SELECT RAISE(ABORT, 'procedure_versions.changed_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger procedure_versions_no_delete
CREATE TRIGGER procedure_versions_no_delete BEFORE DELETE ON procedure_versions BEGIN SELECT RAISE(ABORT, 'procedure_versions rows are append-only'); END;

-- trigger procedure_versions_no_update
CREATE TRIGGER procedure_versions_no_update BEFORE UPDATE ON procedure_versions BEGIN SELECT RAISE(ABORT, 'procedure_versions rows are append-only'); END;

-- trigger procedure_versions_started_at_real_time
CREATE TRIGGER procedure_versions_started_at_real_time BEFORE INSERT ON procedure_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.started_at, '+0 seconds') IS NEW.started_at)
BEGIN SELECT RAISE(ABORT, 'procedure_versions.started_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger reminder_versions_changed_at_real_time
CREATE TRIGGER reminder_versions_changed_at_real_time BEFORE INSERT ON reminder_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.changed_at, '+0 seconds') IS NEW.changed_at)
BEGIN SELECT RAISE(ABORT, 'reminder_versions.changed_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger reminder_versions_no_delete
CREATE TRIGGER reminder_versions_no_delete BEFORE DELETE ON reminder_versions BEGIN SELECT RAISE(ABORT, 'reminder_versions rows are append-only'); END;

-- trigger reminder_versions_no_update
CREATE TRIGGER reminder_versions_no_update BEFORE UPDATE ON reminder_versions BEGIN SELECT RAISE(ABORT, 'reminder_versions rows are append-only'); END;

-- trigger review_versions_changed_at_real_time
CREATE TRIGGER review_versions_changed_at_real_time BEFORE INSERT ON review_versions
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.changed_at, '+0 seconds') IS NEW.changed_at)
BEGIN SELECT RAISE(ABORT, 'review_versions.changed_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger review_versions_no_delete
CREATE TRIGGER review_versions_no_delete BEFORE DELETE ON review_versions BEGIN SELECT RAISE(ABORT, 'review_versions rows are append-only'); END;

-- trigger review_versions_no_update
CREATE TRIGGER review_versions_no_update BEFORE UPDATE ON review_versions BEGIN SELECT RAISE(ABORT, 'review_versions rows are append-only'); END;

-- trigger seals_no_delete
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals BEGIN SELECT RAISE(ABORT, 'seals rows are append-only'); END;

-- trigger seals_no_update
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals BEGIN SELECT RAISE(ABORT, 'seals rows are append-only'); END;

-- trigger signature_events_at_real_time
CREATE TRIGGER signature_events_at_real_time BEFORE INSERT ON signature_events
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.at, '+0 seconds') IS NEW.at)
BEGIN SELECT RAISE(ABORT, 'signature_events.at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger signature_events_no_delete
CREATE TRIGGER signature_events_no_delete BEFORE DELETE ON signature_events BEGIN SELECT RAISE(ABORT, 'signature_events rows are append-only'); END;

-- trigger signature_events_no_update
CREATE TRIGGER signature_events_no_update BEFORE UPDATE ON signature_events BEGIN SELECT RAISE(ABORT, 'signature_events rows are append-only'); END;

-- trigger users_created_at_real_time
CREATE TRIGGER users_created_at_real_time BEFORE INSERT ON users
WHEN NOT (strftime('%Y-%m-%dT%H:%M:%SZ', NEW.created_at, '+0 seconds') IS NEW.created_at)
BEGIN SELECT RAISE(ABORT, 'users.created_at is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END;

-- trigger users_no_delete
CREATE TRIGGER users_no_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'users are never deleted; remove or disable the account'); END;

-- trigger users_removed_stays_removed
CREATE TRIGGER users_removed_stays_removed BEFORE UPDATE ON users WHEN OLD.removed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a removed account cannot be changed'); END;

-- view current_dose_report_states
CREATE VIEW current_dose_report_states AS
SELECT * FROM dose_report_states AS v
WHERE NOT EXISTS (SELECT 1 FROM dose_report_states AS n
                  WHERE n.sop_instance_uid = v.sop_instance_uid AND n.version > v.version);

-- view current_events
CREATE VIEW current_events AS
SELECT * FROM event_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM event_versions AS n WHERE n.event_id = v.event_id AND n.version > v.version);

-- view current_patients
CREATE VIEW current_patients AS
SELECT * FROM patient_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM patient_versions AS n WHERE n.patient_id = v.patient_id AND n.version > v.version);

-- view current_procedures
CREATE VIEW current_procedures AS
SELECT * FROM procedure_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM procedure_versions AS n WHERE n.procedure_id = v.procedure_id AND n.version > v.version);

-- view current_reminders
CREATE VIEW current_reminders AS
SELECT * FROM reminder_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM reminder_versions AS n WHERE n.reminder_id = v.reminder_id AND n.version > v.version);

