import CourtyardDomain
import Foundation
import SQLKit

/// Numbered, forward-only schema steps, recorded in `schema_migrations`. Each step runs in a
/// transaction, so a failed step leaves the database at the previous level.
public enum Migrations {
    public struct Step: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
        /// The one dialect whose database the step changes; nil for both. The step is recorded on the other as well.
        public var only: Database.Kind? = nil
    }

    /// `{ID}` becomes each dialect's auto-numbered key, `{BIG}` its 64-bit integer.
    public static let steps: [Step] = [
        Step(
            version: 1, name: "registry",
            statements: [
                "CREATE TABLE subdistricts (id {ID}, name TEXT NOT NULL UNIQUE, version INTEGER NOT NULL DEFAULT 1)",
                """
                CREATE TABLE communities (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, UNIQUE (subdistrict_id, name))
                """,
                """
                CREATE TABLE zones (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, UNIQUE (subdistrict_id, name))
                """,
                """
                CREATE TABLE compounds (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  community_id {BIG} NOT NULL REFERENCES communities(id), name TEXT NOT NULL,
                  address TEXT NOT NULL DEFAULT '', built_year INTEGER, ownerless INTEGER NOT NULL DEFAULT 0,
                  zone_id {BIG} REFERENCES zones(id), version INTEGER NOT NULL DEFAULT 1, UNIQUE (community_id, name))
                """,
                "CREATE INDEX compounds_subdistrict ON compounds (subdistrict_id)",
                """
                CREATE TABLE buildings (id {ID}, compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, UNIQUE (compound_id, name))
                """,
                """
                CREATE TABLE entrances (id {ID}, building_id {BIG} NOT NULL REFERENCES buildings(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  name TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, UNIQUE (building_id, name))
                """,
                "CREATE INDEX entrances_compound ON entrances (compound_id)",
                """
                CREATE TABLE households (id {ID}, entrance_id {BIG} NOT NULL REFERENCES entrances(id),
                  building_id {BIG} NOT NULL REFERENCES buildings(id),
                    compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  room TEXT NOT NULL, floor INTEGER, area_centi {BIG} NOT NULL DEFAULT 0,
                  version INTEGER NOT NULL DEFAULT 1, UNIQUE (entrance_id, room))
                """,
                "CREATE INDEX households_compound ON households (compound_id)",
                "CREATE INDEX households_building ON households (building_id)",
                """
                CREATE TABLE residents (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE UNIQUE INDEX residents_identity ON residents (subdistrict_id, name, phone) WHERE phone <> ''",
                """
                CREATE TABLE household_residents (household_id {BIG} NOT NULL REFERENCES households(id),
                  resident_id {BIG} NOT NULL REFERENCES residents(id), relation TEXT NOT NULL,
                  lives_elsewhere INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (household_id, resident_id))
                """,
                "CREATE INDEX household_residents_resident ON household_residents (resident_id)",
                """
                CREATE TABLE organisations (id {ID}, subdistrict_id {BIG} REFERENCES subdistricts(id),
                  name TEXT NOT NULL, kind TEXT NOT NULL, department TEXT, contact_name TEXT NOT NULL DEFAULT '',
                  contact_phone TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 1, UNIQUE (name, kind))
                """,
            ]),
        Step(
            version: 2, name: "accounts_and_audit",
            statements: [
                """
                CREATE TABLE users (id {ID}, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                  role TEXT NOT NULL, scope_kind TEXT, scope_id {BIG}, display_name TEXT NOT NULL DEFAULT '',
                  disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
                  created_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                """
                CREATE TABLE api_tokens (id {ID}, user_id {BIG} NOT NULL REFERENCES users(id),
                  token_hash TEXT NOT NULL UNIQUE,
                  kind TEXT NOT NULL, csrf TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
                  revoked_at TEXT)
                """,
                """
                CREATE TABLE audit_log (id {ID}, at TEXT NOT NULL, user_id {BIG}, username TEXT NOT NULL,
                  action TEXT NOT NULL, entity TEXT NOT NULL, entity_id {BIG}, subdistrict_id {BIG},
                  before_json TEXT, after_json TEXT)
                """,
                "CREATE INDEX audit_entity ON audit_log (entity, entity_id)",
                """
                CREATE TABLE imports (id {ID}, at TEXT NOT NULL, user_id {BIG}, username TEXT NOT NULL,
                  filename TEXT NOT NULL, subdistrict_id {BIG}, dry_run INTEGER NOT NULL, status TEXT NOT NULL,
                  rows INTEGER NOT NULL DEFAULT 0, error_count INTEGER NOT NULL DEFAULT 0, report_json TEXT NOT NULL)
                """,
            ]),
        Step(
            version: 3, name: "owners_votes",
            statements: [
                """
                CREATE TABLE votes (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), title TEXT NOT NULL, matter INTEGER NOT NULL,
                  electorate_json TEXT NOT NULL, thresholds_json TEXT NOT NULL, status TEXT NOT NULL,
                  created_at TEXT NOT NULL, opened_at TEXT, closed_at TEXT, result_json TEXT,
                    version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX votes_compound ON votes (compound_id)",
                """
                CREATE TABLE vote_electorate (vote_id {BIG} NOT NULL REFERENCES votes(id),
                  household_id {BIG} NOT NULL REFERENCES households(id),
                  area_centi {BIG} NOT NULL, owner_key TEXT NOT NULL, PRIMARY KEY (vote_id, household_id))
                """,
                """
                CREATE TABLE ballots (id {ID}, vote_id {BIG} NOT NULL REFERENCES votes(id),
                  household_id {BIG} NOT NULL REFERENCES households(id),
                  choice TEXT NOT NULL, channel TEXT NOT NULL, paper_number TEXT, entered_by TEXT NOT NULL,
                    at TEXT NOT NULL,
                  voided_at TEXT, void_reason TEXT)
                """,
                // One live ballot per household and one use of a paper number, enforced by the database so two stewards entering at once cannot both succeed.
                "CREATE UNIQUE INDEX ballots_one_per_household ON ballots (vote_id, household_id) WHERE voided_at IS NULL",
                "CREATE UNIQUE INDEX ballots_paper_once ON ballots (vote_id, paper_number) WHERE paper_number IS NOT NULL",
            ]),
        Step(
            version: 4, name: "supervision_reports",
            statements: [
                """
                CREATE TABLE reports (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), building_id {BIG} REFERENCES buildings(id),
                  category TEXT NOT NULL, description TEXT NOT NULL, photos_json TEXT NOT NULL DEFAULT '[]',
                  reporter_name TEXT NOT NULL DEFAULT '', reporter_phone TEXT NOT NULL DEFAULT '', state TEXT NOT NULL,
                  assignee_organisation_id {BIG} REFERENCES organisations(id), state_since TEXT NOT NULL, due_on TEXT,
                  submitted_at TEXT NOT NULL, created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX reports_compound ON reports (compound_id, state)",
                "CREATE INDEX reports_assignee ON reports (assignee_organisation_id)",
                """
                CREATE TABLE report_events (id {ID}, report_id {BIG} NOT NULL REFERENCES reports(id), at TEXT NOT NULL,
                  from_state TEXT, to_state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', username TEXT NOT NULL,
                  organisation_id {BIG})
                """,
                "CREATE INDEX report_events_report ON report_events (report_id)",
            ]),
        Step(
            version: 5, name: "work_calendars",
            statements: [
                """
                CREATE TABLE work_calendars (year INTEGER PRIMARY KEY, holidays_json TEXT NOT NULL,
                  workdays_json TEXT NOT NULL,
                  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """
            ]),
        Step(
            version: 6, name: "programme",
            statements: [
                // Files live in the database so every app server reads the same bytes without a shared disk.
                """
                CREATE TABLE attachments (id {ID}, filename TEXT NOT NULL, content_type TEXT NOT NULL,
                  size_bytes {BIG} NOT NULL,
                  sha256 TEXT NOT NULL, data {BLOB} NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE projects (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  community_id {BIG} NOT NULL REFERENCES communities(id),
                    compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  batch_year INTEGER NOT NULL, deadline TEXT NOT NULL, planned_start TEXT,
                    stage TEXT NOT NULL DEFAULT 'consultation',
                  started_on TEXT, completed_on TEXT, is_model INTEGER NOT NULL DEFAULT 0,
                    model_writeup TEXT NOT NULL DEFAULT '',
                  contractor_id {BIG} REFERENCES organisations(id), supervisor_id {BIG} REFERENCES organisations(id),
                  designer_id {BIG} REFERENCES organisations(id), pm_company_id {BIG} REFERENCES organisations(id),
                  baseline_at TEXT, created_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, UNIQUE (compound_id,
                    batch_year))
                """,
                "CREATE INDEX projects_batch ON projects (batch_year, subdistrict_id)",
                """
                CREATE TABLE work_items (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id), code TEXT NOT NULL,
                  category TEXT NOT NULL, name TEXT NOT NULL, quantity_centi {BIG} NOT NULL, unit TEXT NOT NULL,
                  budget_fen {BIG} NOT NULL, percent INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX work_items_project ON work_items (project_id)",
                """
                CREATE TABLE gate_passes (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  from_stage TEXT NOT NULL,
                  to_stage TEXT NOT NULL, evidence_json TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
                    passed_at TEXT NOT NULL, passed_by TEXT NOT NULL)
                """,
                "CREATE INDEX gate_passes_project ON gate_passes (project_id)",
                """
                CREATE TABLE acceptances (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  kind TEXT NOT NULL,
                  date TEXT NOT NULL, result TEXT NOT NULL, participants_json TEXT NOT NULL,
                    note TEXT NOT NULL DEFAULT '',
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE tasks (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id), name TEXT NOT NULL,
                  duration_days INTEGER NOT NULL, work_item_id {BIG} REFERENCES work_items(id),
                  baseline_start TEXT, baseline_finish TEXT, actual_start TEXT, actual_finish TEXT,
                  late_finish TEXT, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX tasks_project ON tasks (project_id)",
                """
                CREATE TABLE task_dependencies (task_id {BIG} NOT NULL REFERENCES tasks(id),
                  depends_on {BIG} NOT NULL REFERENCES tasks(id),
                  lag_days INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (task_id, depends_on))
                """,
                """
                CREATE TABLE site_logs (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id), date TEXT NOT NULL,
                  weather TEXT NOT NULL DEFAULT '', workers INTEGER NOT NULL DEFAULT 0,
                    work_done TEXT NOT NULL DEFAULT '',
                  issues TEXT NOT NULL DEFAULT '', progress_json TEXT NOT NULL DEFAULT '[]',
                    photos_json TEXT NOT NULL DEFAULT '[]',
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL, UNIQUE (project_id, date))
                """,
                """
                CREATE TABLE site_checks (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  date TEXT NOT NULL,
                  checker_role TEXT NOT NULL, checklist_json TEXT NOT NULL, passed_items INTEGER NOT NULL,
                    total_items INTEGER NOT NULL,
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX site_checks_project ON site_checks (project_id)",
                """
                CREATE TABLE findings (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  check_id {BIG} NOT NULL REFERENCES site_checks(id),
                  description TEXT NOT NULL, photos_json TEXT NOT NULL DEFAULT '[]', due_on TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'open',
                  rectified_on TEXT, rectification_note TEXT NOT NULL DEFAULT '', verified_by TEXT,
                    version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX findings_project ON findings (project_id, state)",
                """
                CREATE TABLE bulletins (id {ID}, subdistrict_id {BIG} REFERENCES subdistricts(id),
                  batch_year INTEGER NOT NULL,
                  as_of TEXT NOT NULL, issue_no INTEGER, state TEXT NOT NULL DEFAULT 'draft',
                    next_steps TEXT NOT NULL DEFAULT '',
                  content_json TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, published_at TEXT,
                    version INTEGER NOT NULL DEFAULT 1)
                """,
            ]),
        Step(
            version: 7, name: "participation",
            statements: [
                """
                CREATE TABLE notices (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  project_id {BIG} REFERENCES projects(id), kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
                  attachments_json TEXT NOT NULL DEFAULT '[]', starts_on TEXT NOT NULL, ends_on TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'draft',
                  published_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX notices_compound ON notices (compound_id, state)",
                """
                CREATE TABLE notice_objections (id {ID}, notice_id {BIG} NOT NULL REFERENCES notices(id),
                  text TEXT NOT NULL,
                  name TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', at TEXT NOT NULL,
                    reply TEXT NOT NULL DEFAULT '', replied_by TEXT)
                """,
                "CREATE INDEX notice_objections_notice ON notice_objections (notice_id)",
                """
                CREATE TABLE expert_reviews (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  date TEXT NOT NULL,
                  experts_json TEXT NOT NULL, conclusion TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
                    created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE questionnaires (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id),
                  project_id {BIG} REFERENCES projects(id), kind TEXT NOT NULL, title TEXT NOT NULL,
                    questions_json TEXT NOT NULL,
                  opens_on TEXT NOT NULL, closes_on TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'draft',
                    created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                """
                CREATE TABLE questionnaire_responses (id {ID},
                  questionnaire_id {BIG} NOT NULL REFERENCES questionnaires(id),
                  household_id {BIG} NOT NULL REFERENCES households(id), channel TEXT NOT NULL, paper_number TEXT,
                    answers_json TEXT NOT NULL,
                  at TEXT NOT NULL, entered_by TEXT NOT NULL)
                """,
                // One response per household and one use of a paper number, enforced by the database.
                "CREATE UNIQUE INDEX questionnaire_one_per_household ON questionnaire_responses (questionnaire_id, household_id)",
                "CREATE UNIQUE INDEX questionnaire_paper_once ON questionnaire_responses (questionnaire_id, paper_number) WHERE paper_number IS NOT NULL",
                """
                CREATE TABLE open311_keys (id {ID}, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
                  subdistrict_id {BIG} REFERENCES subdistricts(id),
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL, revoked_at TEXT)
                """,
                """
                CREATE TABLE webhooks (id {ID}, subdistrict_id {BIG} REFERENCES subdistricts(id), url TEXT NOT NULL,
                  events_json TEXT NOT NULL,
                  secret TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL)
                """,
                // The outbox: written in the same transaction as the change it announces, delivered later by the worker.
                """
                CREATE TABLE outbox (id {ID}, event TEXT NOT NULL, payload_json TEXT NOT NULL,
                  target_kind TEXT NOT NULL, target TEXT NOT NULL,
                  webhook_id {BIG} REFERENCES webhooks(id), attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                  delivered_at TEXT, failed_at TEXT, last_error TEXT, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL",
                """
                CREATE TABLE service_levels (subdistrict_id {BIG} PRIMARY KEY REFERENCES subdistricts(id),
                  acknowledge_days INTEGER NOT NULL,
                  fix_days INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)
                """,
            ]),
        Step(
            version: 8, name: "trust_scopes",
            statements: [
                // Sign-in attempts are counted in a window that starts with the first one: a burst cannot outrun the count.
                "ALTER TABLE users ADD COLUMN login_window_start TEXT",
                // Organisations in no sub-district were shown to every office. Each goes to the sub-district whose
                // projects, then whose reports, name it most; one named nowhere stays unplaced, seen only by
                // administrators and its own accounts.
                """
                UPDATE organisations SET subdistrict_id = (SELECT p.subdistrict_id FROM projects p
                  WHERE organisations.id IN (p.contractor_id, p.supervisor_id, p.designer_id, p.pm_company_id)
                  GROUP BY p.subdistrict_id ORDER BY COUNT(*) DESC, p.subdistrict_id LIMIT 1)
                WHERE subdistrict_id IS NULL
                """,
                """
                UPDATE organisations SET subdistrict_id = (SELECT r.subdistrict_id FROM reports r
                  WHERE r.assignee_organisation_id = organisations.id
                  GROUP BY r.subdistrict_id ORDER BY COUNT(*) DESC, r.subdistrict_id LIMIT 1)
                WHERE subdistrict_id IS NULL
                """,
                // Open311 keys read report text only in their sub-district: a key without one takes its maker's. Keys an
                // administrator made city-wide keep that reach until revoked; new keys always name a sub-district.
                """
                UPDATE open311_keys SET subdistrict_id = (SELECT u.scope_id FROM users u
                  WHERE u.username = open311_keys.created_by AND u.scope_kind = 'subdistrict')
                WHERE subdistrict_id IS NULL
                """,
            ]),
        // A document is evidence for one gate only: the unique key holds also when two offices try at once.
        Step(
            version: 9, name: "gate_documents",
            statements: [
                """
                CREATE TABLE gate_documents (attachment_id {BIG} NOT NULL UNIQUE REFERENCES attachments(id),
                  project_id {BIG} NOT NULL REFERENCES projects(id), to_stage TEXT NOT NULL,
                    document_type TEXT NOT NULL)
                """,
                "CREATE INDEX gate_documents_project ON gate_documents (project_id)",
            ]),
        // Safety before and during construction, scored inspections, hidden works.
        Step(
            version: 10, name: "safety",
            statements: [
                """
                CREATE TABLE safety_agreements (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  organisation_id {BIG} NOT NULL REFERENCES organisations(id), batch_year INTEGER NOT NULL,
                  signed_on TEXT NOT NULL, targets TEXT NOT NULL DEFAULT '', attachment_id {BIG} REFERENCES attachments(id),
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL, UNIQUE (organisation_id, batch_year))
                """,
                """
                CREATE TABLE emergency_plans (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  organisation_id {BIG} NOT NULL REFERENCES organisations(id), approved_on TEXT NOT NULL,
                  attachment_id {BIG} REFERENCES attachments(id), created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE emergency_plan_projects (plan_id {BIG} NOT NULL REFERENCES emergency_plans(id),
                  project_id {BIG} NOT NULL REFERENCES projects(id), PRIMARY KEY (plan_id, project_id))
                """,
                "CREATE INDEX emergency_plan_projects_project ON emergency_plan_projects (project_id)",
                """
                CREATE TABLE emergency_drills (id {ID}, plan_id {BIG} NOT NULL REFERENCES emergency_plans(id),
                  date TEXT NOT NULL, attendance INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE trainings (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id), date TEXT NOT NULL,
                  trainer TEXT NOT NULL, topics TEXT NOT NULL, trainees_json TEXT NOT NULL,
                  trainee_count INTEGER NOT NULL, attachment_id {BIG} REFERENCES attachments(id),
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX trainings_project ON trainings (project_id)",
                """
                CREATE TABLE inspection_templates (id {ID}, subdistrict_id {BIG} REFERENCES subdistricts(id),
                  template_key TEXT, name TEXT NOT NULL, items_json TEXT NOT NULL, created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE inspections (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  template_id {BIG} NOT NULL REFERENCES inspection_templates(id),
                  check_id {BIG} NOT NULL REFERENCES site_checks(id), date TEXT NOT NULL, scores_json TEXT NOT NULL,
                  total INTEGER NOT NULL, rating TEXT NOT NULL, follows_up {BIG} REFERENCES inspections(id),
                  inspector_role TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX inspections_project ON inspections (project_id)",
                "ALTER TABLE tasks ADD COLUMN hidden_work INTEGER NOT NULL DEFAULT 0",
                """
                CREATE TABLE hidden_work_acceptances (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  task_id {BIG} NOT NULL REFERENCES tasks(id), date TEXT NOT NULL, result TEXT NOT NULL,
                  photos_json TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL)
                """,
                "CREATE INDEX hidden_work_acceptances_task ON hidden_work_acceptances (task_id)",
            ]
                + ShippedInspectionTemplates.all.map { t in
                    "INSERT INTO inspection_templates (template_key, name, items_json, created_at, created_by) VALUES ("
                        + [
                            t.key, t.name, (try? StoredColumn.encode(t.items)) ?? "[]", "2026-01-01T00:00:00Z",
                            "system",
                        ]
                        .map(SQLLiteral.text).joined(separator: ", ") + ")"
                }),
        // A resident follows their report with a tracking code instead of an account; reports filed before have none.
        Step(
            version: 11, name: "report_tracking",
            statements: [
                "ALTER TABLE reports ADD COLUMN tracking_code TEXT",
                "CREATE UNIQUE INDEX reports_tracking ON reports (tracking_code)",
            ]),
        // Daily coordination: meeting series and meetings (例会), who takes part and who came, minutes and actions,
        // requests to city departments (协调事项) with their history, each department's service level and each
        // office's "stage not moved" threshold, and every account's private calendar feed.
        Step(
            version: 12, name: "coordination",
            statements: [
                """
                CREATE TABLE meeting_series (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  title TEXT NOT NULL, first_on TEXT NOT NULL, until_on TEXT, start_time TEXT NOT NULL,
                  duration_minutes INTEGER NOT NULL, location TEXT NOT NULL, created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                """
                CREATE TABLE meetings (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  series_id {BIG} REFERENCES meeting_series(id), title TEXT NOT NULL, date TEXT NOT NULL,
                  start_time TEXT NOT NULL, duration_minutes INTEGER NOT NULL, location TEXT NOT NULL,
                  state TEXT NOT NULL DEFAULT 'scheduled', cancel_reason TEXT NOT NULL DEFAULT '',
                  chair TEXT NOT NULL DEFAULT '', discussion TEXT NOT NULL DEFAULT '',
                  decisions_json TEXT NOT NULL DEFAULT '[]', closed_at TEXT, closed_by TEXT,
                  created_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX meetings_date ON meetings (subdistrict_id, date)",
                "CREATE UNIQUE INDEX meetings_series_day ON meetings (series_id, date) WHERE series_id IS NOT NULL",
                """
                CREATE TABLE meeting_participants (id {ID}, series_id {BIG} REFERENCES meeting_series(id),
                  meeting_id {BIG} REFERENCES meetings(id), organisation_id {BIG} REFERENCES organisations(id),
                  user_id {BIG} REFERENCES users(id), name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '')
                """,
                "CREATE INDEX meeting_participants_series ON meeting_participants (series_id)",
                "CREATE INDEX meeting_participants_meeting ON meeting_participants (meeting_id)",
                """
                CREATE TABLE meeting_attendance (meeting_id {BIG} NOT NULL REFERENCES meetings(id),
                  participant_id {BIG} NOT NULL REFERENCES meeting_participants(id), status TEXT NOT NULL,
                  PRIMARY KEY (meeting_id, participant_id))
                """,
                """
                CREATE TABLE meeting_actions (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  meeting_id {BIG} NOT NULL REFERENCES meetings(id), title TEXT NOT NULL,
                  owner_organisation_id {BIG} NOT NULL REFERENCES organisations(id), due_on TEXT NOT NULL,
                  project_id {BIG} REFERENCES projects(id), created_on TEXT NOT NULL,
                  state TEXT NOT NULL DEFAULT 'open', done_on TEXT, done_note TEXT NOT NULL DEFAULT '',
                  evidence_json TEXT NOT NULL DEFAULT '[]', done_by TEXT, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX meeting_actions_open ON meeting_actions (subdistrict_id, state)",
                "CREATE INDEX meeting_actions_owner ON meeting_actions (owner_organisation_id, state)",
                """
                CREATE TABLE coordination_requests (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  project_id {BIG} NOT NULL REFERENCES projects(id),
                  department_organisation_id {BIG} NOT NULL REFERENCES organisations(id), kind TEXT NOT NULL,
                  description TEXT NOT NULL, needed_by TEXT NOT NULL, attachments_json TEXT NOT NULL DEFAULT '[]',
                  state TEXT NOT NULL, state_since TEXT NOT NULL, due_on TEXT, planned_on TEXT, done_on TEXT,
                  evidence_json TEXT NOT NULL DEFAULT '[]', decline_reason TEXT NOT NULL DEFAULT '',
                  created_on TEXT NOT NULL, accepted_on TEXT, overdue_told_for TEXT,
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX coordination_requests_department ON coordination_requests (department_organisation_id, state)",
                "CREATE INDEX coordination_requests_subdistrict ON coordination_requests (subdistrict_id, state)",
                """
                CREATE TABLE coordination_events (id {ID}, request_id {BIG} NOT NULL REFERENCES coordination_requests(id),
                  at TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
                  planned_on TEXT, done_on TEXT, reason TEXT NOT NULL DEFAULT '',
                  evidence_json TEXT NOT NULL DEFAULT '[]', username TEXT NOT NULL)
                """,
                "CREATE INDEX coordination_events_request ON coordination_events (request_id)",
                """
                CREATE TABLE department_service_levels (organisation_id {BIG} PRIMARY KEY REFERENCES organisations(id),
                  accept_days INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE coordination_settings (subdistrict_id {BIG} PRIMARY KEY REFERENCES subdistricts(id),
                  stale_stage_days INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE calendar_feeds (user_id {BIG} PRIMARY KEY REFERENCES users(id),
                  secret_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)
                """,
            ]),
        // Investment control: each project's contract and its bill of quantities (quantities in thousandths),
        // change orders and progress payments with their two approvals, and each office's parameters.
        Step(
            version: 13, name: "investment",
            statements: [
                """
                CREATE TABLE contracts (id {ID}, project_id {BIG} NOT NULL UNIQUE REFERENCES projects(id),
                  contractor_id {BIG} NOT NULL REFERENCES organisations(id), signed_on TEXT NOT NULL,
                  attachment_id {BIG} REFERENCES attachments(id), sum_fen {BIG} NOT NULL, created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                """
                CREATE TABLE contract_items (contract_id {BIG} NOT NULL REFERENCES contracts(id),
                  work_item_id {BIG} NOT NULL REFERENCES work_items(id), quantity_milli {BIG} NOT NULL,
                  unit_price_fen {BIG} NOT NULL, line_fen {BIG} NOT NULL, PRIMARY KEY (contract_id, work_item_id))
                """,
                """
                CREATE TABLE change_orders (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  work_item_id {BIG} REFERENCES work_items(id), reason TEXT NOT NULL, amount_fen {BIG} NOT NULL,
                  state TEXT NOT NULL, first_by TEXT, first_at TEXT, second_by TEXT, second_at TEXT, rejected_by TEXT,
                  reject_reason TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, created_by TEXT NOT NULL,
                  version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX change_orders_project ON change_orders (project_id, state)",
                """
                CREATE TABLE payments (id {ID}, project_id {BIG} NOT NULL REFERENCES projects(id),
                  period_end TEXT NOT NULL, measured_json TEXT NOT NULL, measured_fen {BIG} NOT NULL,
                  limit_kind TEXT NOT NULL, limit_fen {BIG} NOT NULL, amount_fen {BIG} NOT NULL, state TEXT NOT NULL,
                  first_by TEXT, first_at TEXT, second_by TEXT, second_at TEXT, rejected_by TEXT,
                  reject_reason TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, created_by TEXT NOT NULL,
                  version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX payments_project ON payments (project_id, state)",
                """
                CREATE TABLE investment_settings (subdistrict_id {BIG} PRIMARY KEY REFERENCES subdistricts(id),
                  payment_ratio_percent INTEGER NOT NULL, retention_percent INTEGER NOT NULL,
                  liability_months INTEGER NOT NULL, budget_tolerance_percent INTEGER NOT NULL,
                  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)
                """,
            ]),
        Step(
            version: 14, name: "stewards",
            statements: [
                "ALTER TABLE residents ADD COLUMN party_member INTEGER NOT NULL DEFAULT 0",
                """
                CREATE TABLE stewards (id {ID}, resident_id {BIG} NOT NULL REFERENCES residents(id),
                  subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), building_id {BIG} NOT NULL REFERENCES buildings(id),
                  entrance_id {BIG} REFERENCES entrances(id), place TEXT NOT NULL, since TEXT NOT NULL, until TEXT,
                  appointed_by TEXT NOT NULL, election_record_attachment_id {BIG} REFERENCES attachments(id),
                  user_id {BIG} REFERENCES users(id), exception_note TEXT NOT NULL DEFAULT '',
                  public_name TEXT, end_reason TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX stewards_place ON stewards (place)",
                "CREATE INDEX stewards_compound ON stewards (compound_id)",
                "CREATE INDEX stewards_user ON stewards (user_id)",
                """
                CREATE TABLE campaigns (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  title TEXT NOT NULL, goal TEXT NOT NULL, compound_ids_json TEXT NOT NULL, filter_json TEXT NOT NULL,
                  opened_on TEXT NOT NULL, until TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX campaigns_subdistrict ON campaigns (subdistrict_id)",
                """
                CREATE TABLE campaign_targets (campaign_id {BIG} NOT NULL REFERENCES campaigns(id),
                  household_id {BIG} NOT NULL REFERENCES households(id), compound_id {BIG} NOT NULL,
                  building_id {BIG} NOT NULL, entrance_id {BIG} NOT NULL, PRIMARY KEY (campaign_id, household_id))
                """,
                """
                CREATE TABLE household_contacts (id {ID}, household_id {BIG} NOT NULL REFERENCES households(id),
                  compound_id {BIG} NOT NULL, building_id {BIG} NOT NULL, entrance_id {BIG} NOT NULL,
                  channel TEXT NOT NULL, date TEXT NOT NULL, outcome TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
                  campaign_id {BIG} REFERENCES campaigns(id), follow_up_on TEXT, client_id TEXT,
                  user_id {BIG}, username TEXT NOT NULL, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX household_contacts_household ON household_contacts (household_id, date)",
                "CREATE INDEX household_contacts_campaign ON household_contacts (campaign_id, household_id)",
                "CREATE INDEX household_contacts_follow_up ON household_contacts (follow_up_on)",
                // An entry the phone sends again (same author, same client id) is stored once, whatever the timing.
                "CREATE UNIQUE INDEX household_contacts_client ON household_contacts (username, client_id)",
                """
                CREATE TABLE bodies (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  kind TEXT NOT NULL, name TEXT NOT NULL, compound_id {BIG} REFERENCES compounds(id),
                  community_id {BIG} REFERENCES communities(id), formed_on TEXT NOT NULL,
                  basis_attachment_id {BIG} REFERENCES attachments(id), vote_id {BIG} REFERENCES votes(id),
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX bodies_compound ON bodies (compound_id)",
                """
                CREATE TABLE body_members (id {ID}, body_id {BIG} NOT NULL REFERENCES bodies(id),
                  resident_id {BIG} REFERENCES residents(id), user_id {BIG} REFERENCES users(id),
                  position TEXT NOT NULL, from_on TEXT, until_on TEXT, public_name TEXT, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX body_members_body ON body_members (body_id)",
                """
                CREATE TABLE opinions (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), household_id {BIG} REFERENCES households(id),
                  kind TEXT NOT NULL, source TEXT NOT NULL, text TEXT NOT NULL, author_name TEXT NOT NULL DEFAULT '',
                  routed_to TEXT NOT NULL, answer TEXT, answered_on TEXT, answered_by TEXT, created_on TEXT NOT NULL,
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX opinions_compound ON opinions (compound_id)",
                """
                CREATE TABLE irregularities (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), building_id {BIG} REFERENCES buildings(id),
                  kind TEXT NOT NULL, place TEXT NOT NULL, description TEXT NOT NULL, photos_json TEXT NOT NULL DEFAULT '[]',
                  state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
                  coordination_request_id {BIG} REFERENCES coordination_requests(id), created_on TEXT NOT NULL,
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX irregularities_compound ON irregularities (compound_id)",
            ]),
        Step(
            version: 15, name: "zones",
            statements: [
                // A zone belongs to a sub-district and, optionally, one community; its property company once chosen.
                "ALTER TABLE zones ADD COLUMN community_id {BIG} REFERENCES communities(id)",
                "ALTER TABLE zones ADD COLUMN property_company_id {BIG} REFERENCES organisations(id)",
                "ALTER TABLE zones ADD COLUMN created_at TEXT",
                // A compound's location in WGS-84, in 1e-7 degrees.
                "ALTER TABLE compounds ADD COLUMN lat_e7 {BIG}",
                "ALTER TABLE compounds ADD COLUMN lon_e7 {BIG}",
                "CREATE INDEX compounds_zone ON compounds (zone_id)",
                """
                CREATE TABLE property_selections (id {ID}, zone_id {BIG} NOT NULL REFERENCES zones(id),
                  subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id), method TEXT NOT NULL,
                  criteria_json TEXT NOT NULL, deadline TEXT NOT NULL, panel_json TEXT NOT NULL,
                  state TEXT NOT NULL, notice_id {BIG}, proposed_bid_id {BIG}, scores_published INTEGER NOT NULL DEFAULT 0,
                  contract_json TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
                  version INTEGER NOT NULL DEFAULT 1)
                """,
                "CREATE INDEX property_selections_zone ON property_selections (zone_id)",
                """
                CREATE TABLE property_bids (id {ID}, selection_id {BIG} NOT NULL REFERENCES property_selections(id),
                  organisation_id {BIG} NOT NULL REFERENCES organisations(id), fee_fen_per_m2_month {BIG} NOT NULL,
                  plan TEXT NOT NULL, attachments_json TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL, UNIQUE (selection_id, organisation_id))
                """,
                """
                CREATE TABLE property_scores (selection_id {BIG} NOT NULL REFERENCES property_selections(id),
                  user_id {BIG} NOT NULL REFERENCES users(id), bid_id {BIG} NOT NULL REFERENCES property_bids(id),
                  criterion TEXT NOT NULL, score_centi {BIG} NOT NULL, scored_at TEXT NOT NULL,
                  PRIMARY KEY (selection_id, user_id, bid_id, criterion))
                """,
                // Per compound of the zone: the owners' vote, or the office's recorded decision and its basis.
                """
                CREATE TABLE property_selection_decisions (selection_id {BIG} NOT NULL REFERENCES property_selections(id),
                  compound_id {BIG} NOT NULL REFERENCES compounds(id), vote_id {BIG} REFERENCES votes(id),
                  decision TEXT, basis TEXT, decided_by TEXT, decided_at TEXT,
                  PRIMARY KEY (selection_id, compound_id))
                """,
                """
                CREATE TABLE handovers (project_id {BIG} PRIMARY KEY REFERENCES projects(id),
                  checklist_json TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL,
                  updated_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE handover_signatures (project_id {BIG} NOT NULL REFERENCES projects(id),
                  party TEXT NOT NULL, user_id {BIG} NOT NULL REFERENCES users(id), username TEXT NOT NULL,
                  checklist_version INTEGER NOT NULL, signed_at TEXT NOT NULL, PRIMARY KEY (project_id, party))
                """,
            ]),
        Step(
            version: 16, name: "events",
            statements: [
                """
                CREATE TABLE events (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  community_id {BIG} NOT NULL REFERENCES communities(id), compound_id {BIG} REFERENCES compounds(id),
                  title TEXT NOT NULL, kind TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL,
                  place TEXT NOT NULL, capacity {BIG}, signup TEXT NOT NULL, organisers_json TEXT NOT NULL DEFAULT '[]',
                  state TEXT NOT NULL DEFAULT 'scheduled', cancel_reason TEXT NOT NULL DEFAULT '',
                  signup_seq {BIG} NOT NULL DEFAULT 0, report_text TEXT, report_photos_json TEXT NOT NULL DEFAULT '[]',
                  reported_at TEXT, version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
                  created_by TEXT NOT NULL)
                """,
                "CREATE INDEX events_community ON events (community_id, starts_at)",
                "CREATE INDEX events_subdistrict ON events (subdistrict_id, starts_at)",
                """
                CREATE TABLE event_signups (id {ID}, event_id {BIG} NOT NULL REFERENCES events(id),
                  name TEXT NOT NULL, phone TEXT NOT NULL, status TEXT NOT NULL, attended INTEGER NOT NULL DEFAULT 0,
                  code_hash TEXT NOT NULL, entered_by TEXT, created_at TEXT NOT NULL, cancelled_at TEXT)
                """,
                "CREATE INDEX event_signups_event ON event_signups (event_id, status, id)",
                "CREATE UNIQUE INDEX event_signups_once ON event_signups (event_id, phone) WHERE status <> 'cancelled'",
                """
                CREATE TABLE event_helpers (id {ID}, event_id {BIG} NOT NULL REFERENCES events(id),
                  name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', role TEXT NOT NULL, minutes {BIG} NOT NULL)
                """,
                "CREATE INDEX event_helpers_event ON event_helpers (event_id)",
            ]),
        Step(
            version: 17, name: "cluster",
            statements: [
                // Rate limits that hold across every server over one database: hits per bucket and fixed window.
                """
                CREATE TABLE rate_limits (bucket TEXT NOT NULL, window_start {BIG} NOT NULL, hits INTEGER NOT NULL,
                  PRIMARY KEY (bucket, window_start))
                """,
                "CREATE INDEX rate_limits_window ON rate_limits (window_start)",
                // The client's address (behind a trusted proxy, the one it forwarded) beside each change.
                "ALTER TABLE audit_log ADD COLUMN address TEXT",
            ]),
        Step(
            version: 18, name: "volunteer_hours",
            statements: [
                // Patrols, outreach and other service recorded by hand; event hours stay with the event's helpers.
                """
                CREATE TABLE volunteer_hours (id {ID}, subdistrict_id {BIG} NOT NULL REFERENCES subdistricts(id),
                  community_id {BIG} NOT NULL REFERENCES communities(id), compound_id {BIG} REFERENCES compounds(id),
                  body_id {BIG} REFERENCES bodies(id), name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '',
                  activity TEXT NOT NULL, date TEXT NOT NULL, minutes INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX volunteer_hours_place ON volunteer_hours (community_id, date)",
            ]),
        Step(
            version: 19, name: "compound_household_count",
            statements: [
                // Each compound's households, kept by every write of a household (`CompoundHouseholds`): a
                // province's bulletin would otherwise count 3.2 million households each time it is drafted.
                "ALTER TABLE compounds ADD COLUMN household_count INTEGER NOT NULL DEFAULT 0",
                """
                UPDATE compounds SET household_count = (SELECT COUNT(*) FROM households h WHERE h.compound_id = compounds.id)
                """,
            ]),
        Step(
            version: 20, name: "paper_ballot_reentered",
            statements: [
                // A paper ballot voided for a wrong entry is the same paper entered again: its number is taken
                // only by a live ballot.
                "DROP INDEX ballots_paper_once",
                """
                CREATE UNIQUE INDEX ballots_paper_once ON ballots (vote_id, paper_number)
                  WHERE paper_number IS NOT NULL AND voided_at IS NULL
                """,
            ]),
        Step(
            version: 21, name: "form_submissions",
            statements: [
                // A page form sent twice (a double tap, a reload that sends again) is saved once: each sending of
                // a drawn form is claimed here, and where the first one led is kept for the second (`FormSubmissions`).
                """
                CREATE TABLE form_submissions (key TEXT PRIMARY KEY, answer TEXT, created_at {BIG} NOT NULL)
                """,
                "CREATE INDEX form_submissions_created ON form_submissions (created_at)",
            ]),
        Step(
            version: 22, name: "selection_notices",
            statements: [
                // A selection's notices, linked by record instead of by a number in their titles, which residents
                // read; those published before are found by the number their titles still carry.
                """
                CREATE TABLE property_selection_notices (
                  selection_id {BIG} NOT NULL REFERENCES property_selections(id),
                  notice_id {BIG} NOT NULL REFERENCES notices(id), PRIMARY KEY (selection_id, notice_id))
                """,
                """
                INSERT INTO property_selection_notices (selection_id, notice_id)
                SELECT s.id, n.id FROM property_selections s JOIN notices n
                  ON n.kind = 'property_selection' AND n.title LIKE '%#' || s.id || '：%'
                """,
            ]),
        Step(
            version: 23, name: "rectification_photos",
            statements: [
                // The contractor's photos of a fix, which the re-inspection compares with those taken when the
                // finding was raised.
                "ALTER TABLE findings ADD COLUMN rectification_photos_json TEXT NOT NULL DEFAULT '[]'"
            ]),
        Step(
            version: 24, name: "finding_verified_on",
            statements: [
                // The day a finding passed its re-inspection, so a bulletin dated before it counts it still open.
                "ALTER TABLE findings ADD COLUMN verified_on TEXT"
            ]),
        Step(
            version: 25, name: "finding_rectified_by",
            statements: [
                // Who reported the fix, who may then not pass its re-inspection.
                "ALTER TABLE findings ADD COLUMN rectified_by TEXT"
            ]),
        Step(
            version: 26, name: "meeting_action_reopened",
            statements: [
                // Why the office found an action reported done still to do, which its owner reads beside it.
                "ALTER TABLE meeting_actions ADD COLUMN reopen_note TEXT NOT NULL DEFAULT ''"
            ]),
        Step(
            version: 27, name: "finding_reinspection_note",
            statements: [
                // What the re-inspection said, kept beside the contractor's account of the fix instead of over it.
                "ALTER TABLE findings ADD COLUMN reinspection_note TEXT NOT NULL DEFAULT ''"
            ]),
        Step(
            version: 28, name: "report_fix_photos",
            statements: [
                // The photos taken when a report was fixed, which the reporter sees before saying whether it is.
                "ALTER TABLE report_events ADD COLUMN photos_json TEXT NOT NULL DEFAULT '[]'"
            ]),
        Step(
            version: 29, name: "action_events",
            statements: [
                // Each report of an action done and each handing back, so a second report keeps the first.
                """
                CREATE TABLE action_events (id {ID}, action_id {BIG} NOT NULL REFERENCES meeting_actions(id),
                  at TEXT NOT NULL, kind TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
                  evidence_json TEXT NOT NULL DEFAULT '[]', due_on TEXT, username TEXT NOT NULL)
                """,
                "CREATE INDEX action_events_action ON action_events (action_id)",
            ]),
        Step(
            version: 30, name: "questionnaire_response_void",
            statements: [
                // A paper response entered wrongly (the wrong household, a box misread) is voided with its reason and
                // the paper entered again: the household and the paper number are taken only by a live response. (That
                // a number is one paper in any case, S2-89 and s2-89, the store checks before writing: an index on it
                // would refuse to be built over papers already entered in two cases.)
                "ALTER TABLE questionnaire_responses ADD COLUMN voided_at TEXT",
                "ALTER TABLE questionnaire_responses ADD COLUMN void_reason TEXT",
                "DROP INDEX questionnaire_one_per_household",
                "DROP INDEX questionnaire_paper_once",
                """
                CREATE UNIQUE INDEX questionnaire_one_per_household ON questionnaire_responses (questionnaire_id, household_id)
                  WHERE voided_at IS NULL
                """,
                """
                CREATE UNIQUE INDEX questionnaire_paper_once ON questionnaire_responses (questionnaire_id, paper_number)
                  WHERE paper_number IS NOT NULL AND voided_at IS NULL
                """,
            ]),
        Step(
            version: 31, name: "questionnaire_planned_close",
            statements: [
                // Ended early, a questionnaire's period ends the day it was ended; the day it was meant to close is
                // kept, so residents and the office read both (已于 12-04 提前结束，原定 12-18 截止).
                "ALTER TABLE questionnaires ADD COLUMN planned_closes_on TEXT"
            ]),
        Step(
            version: 32, name: "objection_codes",
            statements: [
                // An objection sent without a phone had no way back to its answer: each now gets a code to look it
                // up by, as a report does, and the answer its time.
                "ALTER TABLE notice_objections ADD COLUMN tracking_code TEXT",
                "ALTER TABLE notice_objections ADD COLUMN replied_at TEXT",
                "CREATE UNIQUE INDEX notice_objections_code ON notice_objections (tracking_code)",
            ]),
        Step(
            version: 33, name: "finding_reinspected",
            statements: [
                // A failed re-inspection said why but not who failed it or when: each re-inspection, passed or
                // failed, now keeps both.
                "ALTER TABLE findings ADD COLUMN reinspected_by TEXT",
                "ALTER TABLE findings ADD COLUMN reinspected_on TEXT",
            ]),
        Step(
            version: 34, name: "objection_reply_version",
            statements: [
                // Two clerks answering one objection within the same second both passed a check by the answer's
                // time: each answer now counts, and a change names the count it read.
                "ALTER TABLE notice_objections ADD COLUMN reply_version INTEGER NOT NULL DEFAULT 0"
            ]),
        Step(
            version: 35, name: "volunteer_hours_never_reused",
            statements: [
                // SQLite gave a removed entry's number to the next entry, so a remove form read before it was sent
                // could match a newer entry. AUTOINCREMENT never gives a number twice; PostgreSQL's never did.
                """
                CREATE TABLE volunteer_hours_kept (id INTEGER PRIMARY KEY AUTOINCREMENT,
                  subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(id),
                  community_id INTEGER NOT NULL REFERENCES communities(id), compound_id INTEGER REFERENCES compounds(id),
                  body_id INTEGER REFERENCES bodies(id), name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '',
                  activity TEXT NOT NULL, date TEXT NOT NULL, minutes INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',
                  created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                INSERT INTO volunteer_hours_kept (id, subdistrict_id, community_id, compound_id, body_id, name, phone,
                  activity, date, minutes, note, created_at, created_by)
                SELECT id, subdistrict_id, community_id, compound_id, body_id, name, phone, activity, date, minutes,
                  note, created_at, created_by FROM volunteer_hours
                """,
                "DROP TABLE volunteer_hours",
                "ALTER TABLE volunteer_hours_kept RENAME TO volunteer_hours",
                "CREATE INDEX volunteer_hours_place ON volunteer_hours (community_id, date)",
                // Numbers already given to entries since removed (the newest among them) are not given again.
                """
                INSERT INTO sqlite_sequence (name, seq) SELECT 'volunteer_hours', 0
                WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'volunteer_hours')
                """,
                """
                UPDATE sqlite_sequence SET seq = MAX(seq,
                  (SELECT COALESCE(MAX(entity_id), 0) FROM audit_log WHERE entity = 'volunteer_hours'))
                WHERE name = 'volunteer_hours'
                """,
            ], only: .sqlite),
        Step(
            version: 36, name: "site_log_version",
            statements: [
                // A correction sent from a form read before another was saved replaced it without a word: each
                // correction now counts, and a form names the count it read.
                "ALTER TABLE site_logs ADD COLUMN version INTEGER NOT NULL DEFAULT 1"
            ]),
    ]

    public static var latest: Int { steps.last?.version ?? 0 }

    static func render(_ sql: String, _ kind: Database.Kind) -> String {
        switch kind {
        case .sqlite:
            sql.replacingOccurrences(of: "{ID}", with: "INTEGER PRIMARY KEY").replacingOccurrences(
                of: "{BIG}", with: "INTEGER"
            ).replacingOccurrences(of: "{BLOB}", with: "BLOB")
        case .postgres:
            sql.replacingOccurrences(of: "{ID}", with: "BIGSERIAL PRIMARY KEY").replacingOccurrences(
                of: "{BIG}", with: "BIGINT"
            ).replacingOccurrences(of: "{BLOB}", with: "BYTEA")
        }
    }

    /// The key of the PostgreSQL advisory lock that migrations hold ("Courtyd" in ASCII).
    public static let advisoryLockKey: Int64 = 0x436F_7572_7479_64

    /// Brings the database to `target` (the latest by default); returns the steps it ran.
    /// On PostgreSQL the whole run holds an advisory lock on one connection, so servers started together over one
    /// database migrate once: the others wait, then find every step already recorded.
    @discardableResult
    public static func run(on database: Database, upTo target: Int = Migrations.latest) async throws -> [Int] {
        let kind = database.kind
        if kind == .postgres {
            return try await database.withConnection { db in
                try await db.raw("SELECT pg_advisory_lock(\(bind: advisoryLockKey))").run()
                do {
                    let ran = try await apply(kind: kind, upTo: target) { body in
                        try await db.raw("BEGIN").run()
                        do {
                            let r = try await body(db)
                            try await db.raw("COMMIT").run()
                            return r
                        } catch {
                            try? await db.raw("ROLLBACK").run()
                            throw error
                        }
                    }
                    try await db.raw("SELECT pg_advisory_unlock(\(bind: advisoryLockKey))").run()
                    return ran
                } catch {
                    _ = try? await db.raw("SELECT pg_advisory_unlock(\(bind: advisoryLockKey))").run()
                    throw error
                }
            }
        }
        try await database.withConnection { db in try await db.raw("PRAGMA journal_mode=WAL").run() }
        return try await apply(kind: kind, upTo: target) { body in try await database.transaction(body) }
    }

    /// Creates `schema_migrations` if need be and runs each missing step up to `target` in its own transaction.
    static func apply(
        kind: Database.Kind, upTo target: Int,
        transaction: (@escaping @Sendable (any SQLDatabase) async throws -> Bool) async throws -> Bool
    ) async throws -> [Int] {
        _ = try await transaction { db in
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                  applied_at TEXT NOT NULL)
                """
            ).run()
            return true
        }
        var ran: [Int] = []
        for step in steps where step.version <= target {
            let applied = try await transaction { db in
                let done = try await db.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: step.version)"
                )
                .first()
                if done != nil { return false }
                for s in step.statements where step.only ?? kind == kind {
                    try await db.raw(SQLQueryString(render(s, kind))).run()
                }
                try await db.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: step.version),
                      \(bind: step.name), \(bind: Clock.isoNow()))
                    """
                ).run()
                return true
            }
            if applied { ran.append(step.version) }
        }
        return ran
    }

    public static func currentVersion(_ database: Database) async throws -> Int {
        try await database.withConnection { db in
            let row = try await db.raw("SELECT MAX(version) AS v FROM schema_migrations").first()
            return try row?.decodeNil(column: "v") == false ? try row!.decode(column: "v", as: Int.self) : 0
        }
    }
}

/// The time the store writes, as fixed-width ISO 8601 UTC so text order is time order on both databases.
/// Formatted by hand: a Foundation date formatter costs more to create than a whole API request.
public enum Clock {
    public static func iso(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(Day(ordinal: days))T\(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60))Z"
    }
    public static func isoNow() -> String { iso(Date()) }
    /// Today as the offices count days: the calendar day in China (UTC+8), for due dates, display periods and logs.
    public static var today: Day { Day.today(epochSeconds: Date().timeIntervalSince1970) }
}
