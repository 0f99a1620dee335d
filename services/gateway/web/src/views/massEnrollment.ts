import { ApiError, get, seg, url, type Progress } from "../api";
import { alertBox, bytes, h, modal, say } from "../dom";
import { countsText, watchUpload } from "../live";
import { go, type Screen } from "../main";
import { groupTop } from "./group";
import { replacedNote } from "./upload";

const MAX_BYTES = 5 * 1024 * 1024;

interface Accepted {
  upload_id: string;
}

/** Sends the file with the form's fields; reports the bytes sent (XMLHttpRequest: fetch cannot). */
function send(path: string, data: FormData, csrf: string, onSent: (fraction: number) => void): Promise<Accepted> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url(path));
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onSent(e.loaded / e.total));
    xhr.addEventListener("load", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText || "{}");
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as Accepted);
      else reject(new ApiError(typeof body.detail === "string" ? body.detail : `The upload failed (${xhr.status}). Try again.`, xhr.status, String(body.code ?? ""), body));
    });
    xhr.addEventListener("error", () => reject(new ApiError("The portal could not be reached. Check your connection and try again.", 0, "offline", {})));
    xhr.send(data);
  });
}

/** Mass Enrollment: the template for the group and region, then Upload Members with live progress. */
export async function massEnrollmentView({ root, params, user, onLeave, current }: Screen): Promise<void> {
  const [groupId] = params;
  const group = await groupTop(root, groupId, "Mass Enrollment", "members");
  const gid = encodeURIComponent(group.group_id);
  root.append(
    h("p", { class: "muted" }, "Download the spreadsheet template, enter up to 250 new members on its Enrollment Data tab, then upload the completed file. The spreadsheet only enrolls new members: it cannot change or end coverage, update details, or add family members to an enrolled member."),
  );

  // 1. The template.
  const templateProblem = alertBox("template-error");
  const region = h("input", { id: "template-region", name: "region", value: group.region, required: true, maxlength: 2, autocomplete: "off" });
  const templateForm = h(
    "form",
    { class: "card narrow", id: "template-form", "aria-labelledby": "template-title", novalidate: true },
    h("h2", { id: "template-title" }, "Download Template"),
    h("label", { for: "template-region" }, "Region"),
    region,
    h("label", { for: "template-group-id" }, "Group ID"),
    h("input", { id: "template-group-id", value: group.group_id, readonly: true }),
    h("label", { for: "template-group-name" }, "Group Name"),
    h("input", { id: "template-group-name", value: group.name, readonly: true }),
    templateProblem,
    h("button", { type: "submit" }, "Download Template"),
  );
  templateForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = region.value.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(r)) return say(templateProblem, "Enter the region as two letters, like CA.");
    say(templateProblem, "");
    // A GET of the file itself: the browser saves it (the API's refusal, if any, is shown instead).
    const answer = await fetch(url(`/groups/${seg(group.group_id)}/mass-enrollment/template`, { region: r }), { credentials: "same-origin" });
    if (!answer.ok) {
      const body = await answer.json().catch(() => ({}));
      return say(templateProblem, typeof body.detail === "string" ? body.detail : "The template could not be made. Try again.");
    }
    const blob = await answer.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: `mass-enrollment-${group.group_id}-${r}.xlsx`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    say(templateProblem, "The template was downloaded: open it from your downloads folder.", "ok");
  });

  // 2. Upload Members.
  const problem = alertBox("upload-error");
  const fileInput = h("input", { type: "file", id: "members-file", name: "file", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", class: "file-input" });
  const chosen = h("p", { id: "chosen-file", class: "muted" }, "No file chosen.");
  const drop = h("label", { class: "drop", for: "members-file", id: "drop" }, h("span", {}, "Drop or select your file (.xlsx, up to 250 members)"), fileInput, chosen);
  const bar = h("progress", { id: "progress-bar", max: "1", value: "0", "aria-labelledby": "progress-text" });
  const barText = h("span", { id: "progress-text" });
  const progressBox = h("div", { id: "progress", hidden: true, role: "status", "aria-live": "polite" }, bar, " ", barText);
  const uploadRegion = h("input", { id: "upload-region", name: "region", value: group.region, required: true, maxlength: 2, autocomplete: "off" });
  const uploadName = h("input", { id: "upload-group-name", name: "group_name", value: group.name });
  const submit = h("button", { type: "submit", id: "upload-submit" }, "Upload Members");
  const uploadForm = h(
    "form",
    { class: "card narrow", id: "upload-form", "aria-labelledby": "upload-title", novalidate: true },
    h("h2", { id: "upload-title" }, "Upload Members"),
    h("label", { for: "upload-region" }, "Region"),
    uploadRegion,
    h("label", { for: "upload-group-id" }, "Group ID"),
    h("input", { id: "upload-group-id", name: "group_id", value: group.group_id, readonly: true }),
    h("label", { for: "upload-group-name" }, "Group Name"),
    uploadName,
    drop,
    problem,
    progressBox,
    h("div", { class: "actions" }, h("a", { class: "button secondary", href: `#/groups/${gid}/members` }, "Back"), submit),
  );
  let file: File | null = null;
  const choose = (f: File | null) => {
    file = f;
    chosen.textContent = f ? `${f.name} · ${bytes(f.size)}` : "No file chosen.";
    say(problem, "");
  };
  fileInput.addEventListener("change", () => choose(fileInput.files?.[0] ?? null));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const files = e.dataTransfer?.files;
    if (files?.length) fileInput.files = files; // the input shows the dropped file too
    choose(files?.[0] ?? null);
  });

  uploadForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!file) return say(problem, "Choose the completed template (.xlsx) first: drop it on the grey area or select it.");
    if (!file.name.toLowerCase().endsWith(".xlsx")) return say(problem, `${file.name} is not an Excel workbook (.xlsx). Save the template as .xlsx and select it again.`);
    if (file.size > MAX_BYTES) return say(problem, `${file.name} is ${bytes(file.size)}; a file may be 5 MB at most. Split the members over several files.`);
    if (!/^[A-Za-z]{2}$/.test(uploadRegion.value.trim())) return say(problem, "Enter the region as two letters, like CA.");
    const data = new FormData();
    data.append("region", uploadRegion.value.trim().toUpperCase());
    data.append("group_name", uploadName.value.trim());
    data.append("file", file, file.name);
    submit.disabled = true;
    say(problem, "");
    progressBox.hidden = false;
    bar.removeAttribute("value");
    barText.textContent = "Sending the file…";
    let accepted: Accepted;
    try {
      accepted = await send(`/groups/${seg(group.group_id)}/mass-enrollment/uploads`, data, user.csrf_token, (f) => {
        barText.textContent = `Sending the file… ${Math.round(f * 100)}%`;
      });
    } catch (error) {
      progressBox.hidden = true;
      submit.disabled = false;
      if (error instanceof ApiError && error.code === "duplicate_file" && typeof error.body.upload_id === "string") {
        problem.replaceChildren(error.message, " ", h("a", { href: `#/uploads/${encodeURIComponent(error.body.upload_id)}` }, "Open the earlier upload"));
        problem.hidden = false;
      } else {
        say(problem, error instanceof ApiError ? error.message : "The upload failed. Try again.");
      }
      return;
    }
    barText.textContent = "Checking the rows…";
    const watched = await new Promise<Progress | null>((resolve) => {
      const stop = watchUpload(accepted.upload_id, (p) => {
        if (p.total_rows) {
          bar.max = p.total_rows;
          bar.value = p.classified;
          barText.textContent = `Checked ${p.classified} of ${p.total_rows} rows`;
        }
        if (p.complete || p.status === "failed") {
          stop();
          resolve(p);
        }
      });
      // Left before the end: stop watching; the upload goes on and is found under My uploads.
      onLeave(() => {
        stop();
        resolve(null);
      });
    });
    if (!watched || !current()) return;
    // Once complete, the whole answer (a fixed report's replaced count is not in the live counts).
    const done = await get<Progress>(`/uploads/${seg(accepted.upload_id)}`).catch(() => watched);
    if (!current()) return;
    submit.disabled = false;
    if (done.status === "failed") {
      progressBox.hidden = true;
      return say(problem, "The upload failed before its rows could be read. Upload the file again.");
    }
    const replaced = done.replaces_upload_id ? [replacedNote(done)] : [];
    await modal("Upload complete", [h("p", { id: "result-text" }, countsText(done)), ...replaced], [{ label: "Close", value: "close" }]);
    go(`/uploads/${encodeURIComponent(accepted.upload_id)}?tab=${done.ready ? "ready" : done.error ? "error" : "rejected"}`);
  });

  root.append(h("div", { class: "two-col" }, templateForm, uploadForm));
}
