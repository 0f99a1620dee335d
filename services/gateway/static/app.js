// Minimal portal pages over the gateway's HTTP API. The server checks every
// permission; this script only shows what the API answers.
const $ = (id) => document.getElementById(id);
const views = ["sign-in-view", "groups-view", "upload-view"];
let groups = [];

function show(view) { views.forEach((v) => ($(v).hidden = v !== view)); }
function fail(el, message) { el.textContent = message; el.hidden = !message; }

async function api(path, options = {}) {
  const answer = await fetch(`/api/v1${path}`, { credentials: "same-origin", ...options });
  if (answer.status === 401 && path !== "/session") { signedOut(); throw new Error("Please sign in again."); }
  const body = answer.status === 204 ? null : await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(typeof body?.detail === "string" ? body.detail : `Request failed (${answer.status}).`);
  return body;
}

function signedOut() { $("who").hidden = $("sign-out").hidden = true; show("sign-in-view"); }

async function start() {
  try { signedIn(await api("/session")); } catch { signedOut(); }
}

async function signedIn(user) {
  $("who").textContent = `${user.display_name} (${user.role.replace("_", " ")})`;
  $("who").hidden = $("sign-out").hidden = false;
  groups = await api("/groups");
  renderGroups();
  show("groups-view");
}

function renderGroups() {
  const term = $("group-search").value.trim().toLowerCase();
  const shown = groups.filter((g) => !term || g.name.toLowerCase().includes(term) || g.group_id.includes(term));
  $("group-rows").replaceChildren(...shown.map((g) => {
    const tr = document.createElement("tr");
    for (const text of [g.name, g.group_id, g.region, g.renewal_date, g.enrolled_count]) {
      const td = document.createElement("td"); td.textContent = text ?? ""; tr.append(td);
    }
    const td = document.createElement("td");
    const button = document.createElement("button");
    button.textContent = "Mass Enrollment";
    button.onclick = () => openUpload(g);
    td.append(button); tr.append(td);
    return tr;
  }));
  $("groups-empty").hidden = shown.length > 0;
}

function openUpload(group) {
  const form = $("upload-form");
  form.reset();
  form.region.value = group.region;
  form.group_id.value = group.group_id;
  form.group_name.value = group.name;
  fail($("upload-error"), "");
  $("progress").hidden = true;
  show("upload-view");
}

$("sign-in-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = event.target;
  fail($("sign-in-error"), "");
  try {
    const user = await api("/session", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    form.reset();
    await signedIn(user);
  } catch (error) { fail($("sign-in-error"), error.message); }
};

$("sign-out").onclick = async () => { await api("/session", { method: "DELETE" }).catch(() => {}); signedOut(); };
$("group-search").oninput = renderGroups;
$("upload-cancel").onclick = () => show("groups-view");
$("result-close").onclick = () => { $("result-dialog").close(); show("groups-view"); };

$("upload-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = new FormData();
  data.append("file", form.file.files[0]);
  data.append("region", form.region.value);
  data.append("group_name", form.group_name.value);
  fail($("upload-error"), "");
  $("upload-submit").disabled = true;
  $("progress").hidden = false;
  $("progress-text").textContent = "Uploading…";
  try {
    const { upload_id } = await api(`/groups/${encodeURIComponent(form.group_id.value)}/mass-enrollment/uploads`, { method: "POST", body: data });
    const status = await waitForCompletion(upload_id);
    $("result-text").textContent =
      `${status.ready} application(s) ready to submit, ${status.error} with errors, ${status.rejected} rejected.`;
    $("result-dialog").showModal();
  } catch (error) {
    fail($("upload-error"), error.message);
  } finally {
    $("upload-submit").disabled = false;
    $("progress").hidden = true;
  }
};

async function waitForCompletion(uploadId) {
  for (;;) {
    const status = await api(`/uploads/${uploadId}`);
    $("progress-bar").max = status.total_rows || 1;
    $("progress-bar").value = status.classified;
    $("progress-text").textContent = `Validated ${status.classified} of ${status.total_rows} rows`;
    if (status.complete) return status;
    if (status.status === "failed") throw new Error("The file was stored but could not be processed. Upload it again.");
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

start();
