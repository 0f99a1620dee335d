// The gateway's HTTP API, /api/v1: every action a screen offers is one of these calls.
// The server checks every permission; the page only shows what the API answers.

export interface User {
  user_id: string;
  display_name: string;
  role: "broker" | "group_admin" | "kp_reviewer";
  group_id?: string | null;
  csrf_token: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface Group {
  group_id: string;
  name: string;
  region: string;
  broker_id?: string;
  subgroups: { subgroup_id: string; name?: string }[] | string[];
  renewal_date?: string | null;
  enrolled_count?: number;
}

export interface Issue {
  row?: number;
  column?: string | null;
  header?: string | null;
  message: string;
  kind?: string;
}

export interface Member {
  first_name?: string | null;
  last_name?: string | null;
  relationship?: string | null;
  subgroup_id?: string | null;
  ssn_last4?: string | null;
}

export interface ApplicationRow {
  application_id: string;
  upload_id: string;
  group_id: string;
  row_number: number;
  status: string;
  issues: Issue[];
  member?: Member | null;
  confirmation_id?: string | null;
  expires_at?: string | null;
}

export interface Application extends ApplicationRow {
  cells: Record<string, string | null>;
  revision: number;
  arbitration_agreement?: { file_name?: string; size?: number; attached_at?: string } | null;
}

export interface Progress {
  upload_id: string;
  group_id: string;
  file_name?: string;
  status: string;
  total_rows: number | null;
  classified: number;
  ready: number;
  error: number;
  rejected: number;
  complete: boolean;
  replaces_upload_id?: string | null;
  replaces_applications?: number;
  replaced_applications?: number;
}

export interface Column {
  key: string;
  header: string;
  kind: "text" | "date" | "code";
  required: string;
  codes: string[];
  rule: string;
  max_length: number;
}

/** A refusal from the API: its words, its stable code, and whatever else it said. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrf = "";
let onSignedOut: () => void = () => {};

export function setSession(user: User | null): void {
  csrf = user?.csrf_token ?? "";
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

type Query = Record<string, string | number | undefined | null>;

export function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ""}`;
}

/** Escapes one path segment (ids come from the API, but never trust them to be clean). */
export const seg = (value: string): string => encodeURIComponent(value);

export async function call<T>(method: string, path: string, options: { query?: Query; json?: unknown; form?: FormData } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let answer: Response;
  try {
    answer = await fetch(url(path, options.query), { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError("The portal could not be reached. Check your connection and try again.", 0, "offline", {});
  }
  if (answer.status === 204) return undefined as T;
  const text = await answer.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!answer.ok) {
    const bodyObj = (parsed && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
    const detail = typeof bodyObj.detail === "string" ? bodyObj.detail : `The request failed (${answer.status}). Try again.`;
    const code = typeof bodyObj.code === "string" ? bodyObj.code : `http_${answer.status}`;
    if (answer.status === 401 && path !== "/session") onSignedOut();
    throw new ApiError(detail, answer.status, code, bodyObj);
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query) => call<T>("GET", path, { query });
export const post = <T>(path: string, json?: unknown) => call<T>("POST", path, { json });

export interface GroupSummary {
  group_id: string;
  name: string;
  region: string;
  renewal_date?: string | null;
  enrolled_count?: number;
  status?: string;
  size?: string;
  broker_id?: string;
}

export interface RenewalMonth {
  month: string;
  label: string;
  total: number;
  groups: GroupSummary[];
}

export type Facets = Record<string, Record<string, number>>;

export interface Transaction {
  transaction_id: string;
  type: string;
  group_id: string;
  group_name?: string;
  created_at?: string;
  created_by?: string;
  status: string;
  instructions?: string | null;
  application_id?: string | null;
}

export interface Address {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
}

export interface Contact {
  name?: string | null;
  role?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface GroupRecord extends Group {
  mailing_address?: Address | null;
  physical_address?: Address | null;
  contacts?: Contact[];
  phone?: string | null;
  email?: string | null;
  current_plans?: { plan_id?: string; name: string; metal_tier?: string; members?: number }[];
  size?: number | null;
  acquired_on?: string | null;
}

export const put = <T>(path: string, json?: unknown) => call<T>("PUT", path, { json });

/** One move of a transaction's history: who moved it from what to what, and KP's note. */
export interface TransactionMove {
  from: string | null;
  to: string;
  by: string;
  role: string;
  at: string;
  note?: string | null;
}

/** A quote, group enrollment or renewal as the transactions service keeps it (issue 11). */
export interface TransactionRecord {
  transaction_id: string;
  kind: string;
  group_id?: string | null;
  group_name: string;
  broker_id: string;
  region?: string | null;
  status: string;
  steps: Record<string, Record<string, unknown>>;
  instructions?: string | null;
  reviewer_contact?: { name?: string | null; phone?: string | null } | null;
  history: TransactionMove[];
  revision: number;
  created_at: string;
  created_by: string;
  submitted_at?: string | null;
}

export interface QueueItem {
  transaction_id: string;
  kind: string;
  group_id?: string | null;
  group_name: string;
  broker_id: string;
  region?: string | null;
  submitted_at?: string | null;
  status: string;
}

export interface PlanOffer {
  plan_id: string;
  name: string;
  metal_tier: string;
  base_rate: string;
}

export interface PlanList {
  region: string;
  notice: string;
  plans: PlanOffer[];
}

export interface MemberPremium {
  family: number;
  label: string;
  relationship: string;
  age: number;
  factor: string;
  premium: string;
  charged: boolean;
  reason?: string | null;
}

export interface PlanQuote extends PlanOffer {
  monthly_total: string;
  members: MemberPremium[];
}

/** A priced census (POST /quotes): amounts as strings with two decimals. */
export interface PricedQuote {
  region: string;
  zip: string;
  effective_date: string;
  notice: string;
  rounding: string;
  plans: PlanQuote[];
}

/** One problem of a census the quoting rules refused (422 `census_invalid`, `problems`). */
export interface CensusProblem {
  member: string | null;
  code: string;
  detail: string;
}
