import { ApiError, call, get, post, seg, type Application } from "../api";
import { alertBox, bytes, confirm, dateTime, h, say } from "../dom";
import { go, type Screen } from "../main";
import { cellFields, columnsFor, formCells } from "./cells";
import { fullName, groupTop } from "./group";

const STATUS = { ready: "Ready", error: "Error", rejected: "Rejected", saved: "Saved for Later", submitted: "Submitted", validating: "Being checked", deleted: "Deleted", expired: "Expired" } as Record<string, string>;
const ARBITRATION_REGIONS = ["CA", "HI"];

async function settled(id: string): Promise<Application> {
  // After an edit the application is checked again (a few hundred ms): wait for its verdict.
  for (let i = 0; i < 60; i++) {
    const app = await get<Application>(`/applications/${seg(id)}`);
    if (app.status !== "validating") return app;
    await new Promise((r) => setTimeout(r, 500));
  }
  return get<Application>(`/applications/${seg(id)}`);
}

/** Edit one application: its cells with the errors beside them; save re-validates; submit once ready. */
export async function applicationView({ root, params, user }: Screen): Promise<void> {
  const [applicationId] = params;
  let app = await get<Application>(`/applications/${seg(applicationId)}`);
  const group = await groupTop(root, app.group_id, "Edit application", "uploads");
  const enroller = user.role !== "kp_reviewer";
  const columns = await columnsFor(group.region);
  const message = alertBox("application-message");
  const status = h("p", { class: "status-line", id: "application-status", role: "status" });
  const body = h("div", {});
  root.append(
    h("p", {}, h("a", { href: `#/uploads/${encodeURIComponent(app.upload_id)}?tab=${app.status === "rejected" ? "rejected" : app.status === "error" ? "error" : "ready"}` }, "‹ Back to the upload's applications")),
    status,
    message,
    body,
  );

  const show = () => {
    const name = fullName({ first_name: app.cells.first_name, last_name: app.cells.last_name }) || "this member";
    status.textContent = `Row ${app.row_number} · ${name} · ${STATUS[app.status] ?? app.status}${app.confirmation_id ? ` · Confirmation ID ${app.confirmation_id}` : ""}${app.expires_at && app.status === "saved" ? ` · kept until ${dateTime(app.expires_at)}` : ""}`;
    // What each status allows (the applications service's state machine): a rejected one can only be deleted.
    const editable = enroller && ["ready", "error", "saved"].includes(app.status);
    const deletable = enroller && ["ready", "error", "saved", "rejected"].includes(app.status);
    const form = h("form", { id: "application-form", class: "card", novalidate: true }, cellFields(columns, group, app.cells, app.issues));
    if (!editable) form.querySelectorAll("input, select").forEach((el) => el.setAttribute("disabled", ""));
    const saveButton = h("button", { type: "submit" }, "Save Changes");
    const submitButton = h("button", { type: "button", id: "submit-application", disabled: app.status !== "ready" && app.status !== "saved" }, "Submit Application");
    const laterButton = h("button", { type: "button", class: "secondary" }, "Save for Later");
    const deleteButton = h("button", { type: "button", class: "danger" }, "Delete");
    if (editable) {
      form.append(h("div", { class: "actions" }, deleteButton, app.status === "saved" ? null : laterButton, saveButton, submitButton));
    } else if (deletable) {
      form.append(h("p", { class: "muted" }, "A rejected application cannot be changed: see the reasons above. Delete it, or enroll the member again once the reason is resolved."), h("div", { class: "actions" }, deleteButton));
    }
    if (app.status === "error" || (app.status === "saved" && app.issues.length)) {
      form.append(h("p", { class: "muted" }, "Correct the fields marked in red and choose Save Changes; Submit Application is available once the application is ready."));
    }

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const cells = formCells(form, columns);
      const changed = Object.fromEntries(Object.entries(cells).filter(([k, v]) => (app.cells[k] ?? null) !== v));
      if (Object.keys(changed).length === 0) return say(message, "Nothing was changed.");
      saveButton.disabled = true;
      say(message, "");
      status.textContent = "Checking the changes…";
      try {
        await call("PUT", `/applications/${seg(app.application_id)}`, { json: { cells: changed } });
        app = await settled(app.application_id);
        show();
        const where = STATUS[app.status] ?? app.status;
        say(message, app.status === "ready" ? "Saved. The application is ready to submit." : `Saved. The application is now in the ${where} tab${app.issues.length ? ": see the fields marked in red." : "."}`, app.status === "ready" ? "ok" : "error");
      } catch (error) {
        show();
        say(message, error instanceof ApiError ? error.message : "The changes could not be saved. Try again.");
      }
    });
    submitButton.addEventListener("click", async () => {
      try {
        const done = await post<Application>(`/applications/${seg(app.application_id)}/submit`);
        app = { ...app, ...done };
        show();
        say(message, `Submitted. Confirmation ID ${done.confirmation_id}.`, "ok");
      } catch (error) {
        say(message, error instanceof ApiError ? error.message : "The application could not be submitted.");
      }
    });
    laterButton.addEventListener("click", async () => {
      try {
        app = { ...app, ...(await post<Application>(`/applications/${seg(app.application_id)}/save`)) };
        show();
        say(message, "Saved for later: it is kept for 30 days under Saved for Later.", "ok");
      } catch (error) {
        say(message, error instanceof ApiError ? error.message : "The application could not be saved.");
      }
    });
    deleteButton.addEventListener("click", async () => {
      if (!(await confirm("Delete application", `Delete the application of row ${app.row_number}? This cannot be undone.`, "Delete"))) return;
      try {
        await call("DELETE", `/applications/${seg(app.application_id)}`);
        go(`/uploads/${encodeURIComponent(app.upload_id)}`);
      } catch (error) {
        say(message, error instanceof ApiError ? error.message : "The application could not be deleted.");
      }
    });
    body.replaceChildren(form, ...(ARBITRATION_REGIONS.includes(group.region) ? [arbitration()] : []));
  };

  // Member Arbitration Agreement: California and Hawaii groups only.
  const arbitration = (): HTMLElement => {
    const note = alertBox("agreement-message");
    const attached = app.arbitration_agreement;
    const section = h(
      "section",
      { class: "card", id: "arbitration", "aria-labelledby": "arbitration-title" },
      h("h2", { id: "arbitration-title" }, "Member Arbitration Agreement"),
      attached
        ? h("p", { id: "agreement-attached" }, "Attached: ", h("a", { href: `/api/v1/applications/${seg(app.application_id)}/arbitration-agreement`, target: "_blank", rel: "noopener" }, attached.file_name ?? "agreement.pdf"), attached.size ? ` (${bytes(attached.size)})` : "")
        : h("p", { class: "muted" }, "No agreement attached yet. Attach the member's signed agreement as a PDF (5 MB at most), if desired."),
      note,
    );
    if (enroller && app.status !== "submitted") {
      const input = h("input", { type: "file", id: "agreement-file", name: "file", accept: "application/pdf,.pdf" });
      const form = h("form", { class: "inline-form" }, h("label", { for: "agreement-file" }, attached ? "Replace the agreement (PDF)" : "Agreement (PDF)"), input, h("button", { type: "submit" }, "Attach Agreement"));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const file = input.files?.[0];
        if (!file) return say(note, "Choose the signed agreement's PDF file first.");
        const data = new FormData();
        data.append("file", file);
        try {
          const agreement = await call<Application["arbitration_agreement"]>("POST", `/applications/${seg(app.application_id)}/arbitration-agreement`, { form: data });
          app = { ...app, arbitration_agreement: agreement };
          show();
          say(message, `The arbitration agreement ${file.name} is attached.`, "ok");
        } catch (error) {
          say(note, error instanceof ApiError ? error.message : "The agreement could not be attached.");
        }
      });
      section.append(form);
    }
    return section;
  };
  show();
}
