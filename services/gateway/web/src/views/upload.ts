import { ApiError, call, get, post, seg, type ApplicationRow, type Page, type Progress } from "../api";
import { actionsMenu, alertBox, confirm, h, loading, modal, pager, say } from "../dom";
import { countsText, watchUpload } from "../live";
import { focusAfter, go, type Screen } from "../main";
import { fullName, groupTop, maskedSsn } from "./group";

const TABS = [
  ["ready", "Ready"],
  ["error", "Error"],
  ["rejected", "Rejected"],
] as const;
type Tab = (typeof TABS)[number][0];
const PAGE_SIZE = 25;

/** A fixed error report: which upload's error applications it replaced, and how many so far. */
export function replacedNote(p: Progress): HTMLElement {
  const source = p.replaces_upload_id ?? "";
  return h(
    "p",
    { class: "note", id: "replaced-note" },
    `This file is a fixed error report: it replaced ${p.replaced_applications ?? 0} of the ${p.replaces_applications ?? 0} error application(s) of `,
    h("a", { href: `#/uploads/${encodeURIComponent(source)}?tab=error` }, `upload ${source}`),
    ".",
  );
}

/** An upload's applications in three tabs (Ready, Error, Rejected), with the actions on each. */
export async function uploadView({ root, params, query, user, onLeave }: Screen): Promise<void> {
  const [uploadId] = params;
  const tab: Tab = (TABS.find(([t]) => t === query.get("tab"))?.[0] ?? "ready") as Tab;
  const page = Math.max(1, Number(query.get("page")) || 1);
  const here = (t: Tab, p = 1) => `/uploads/${encodeURIComponent(uploadId)}?tab=${t}${p > 1 ? `&page=${p}` : ""}`;
  let progress = await get<Progress>(`/uploads/${seg(uploadId)}`);
  const enroller = user.role !== "kp_reviewer";
  await groupTop(root, progress.group_id, "Mass Enrollment applications", "uploads");
  const message = alertBox("upload-message");
  const summary = h("p", { class: "summary", id: "upload-summary", role: "status" });
  const showSummary = (p: Progress) => {
    const file = p.file_name ? `${p.file_name}: ` : "";
    summary.textContent = p.status === "failed"
      ? `${file}this upload failed before its rows were read. Upload the file again.`
      : p.complete
        ? `${file}${countsText(p)}`
        : `${file}checking rows… ${p.classified} of ${p.total_rows ?? "?"} classified.`;
  };
  showSummary(progress);
  root.append(summary);
  if (progress.replaces_upload_id) {
    root.append(replacedNote(progress));
  }

  // The tabs (WAI-ARIA tabs: arrow keys move between them).
  const counts = (p: Progress) => ({ ready: p.ready, error: p.error, rejected: p.rejected });
  const tablist = h("div", { role: "tablist", "aria-label": "Applications by status", class: "tabs" });
  const tabButtons = TABS.map(([key, label]) => {
    const button = h("button", { type: "button", role: "tab", id: `tab-${key}`, "aria-selected": String(key === tab), "aria-controls": "tab-panel", tabindex: key === tab ? "0" : "-1" }, `${label} (${counts(progress)[key]})`);
    button.addEventListener("click", () => {
      focusAfter(`#tab-${key}`);
      go(here(key));
    });
    return button;
  });
  tablist.append(...tabButtons);
  tablist.addEventListener("keydown", (e) => {
    const at = TABS.findIndex(([t]) => t === tab);
    const next = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const chosen = TABS[(next + TABS.length) % TABS.length][0];
    focusAfter(`#tab-${chosen}`); // the focus stays on the tabs, on the one chosen
    go(here(chosen));
  });
  const panel = h("div", { role: "tabpanel", id: "tab-panel", "aria-labelledby": `tab-${tab}`, tabindex: "0" });
  const bulk = h("div", { class: "bulk-actions" });
  root.append(message, h("div", { class: "tab-row" }, tablist, bulk), panel);

  const refresh = async () => {
    const rows = await get<Page<ApplicationRow>>(`/uploads/${seg(uploadId)}/applications`, { status: tab, page, page_size: PAGE_SIZE });
    panel.replaceChildren(...tabContent(rows));
  };
  const act = async (work: () => Promise<string | null>) => {
    say(message, "");
    try {
      const done = await work();
      if (done === null) return; // cancelled in its dialog: nothing changed, the list stays as it is
      say(message, done, "ok");
    } catch (error) {
      say(message, error instanceof ApiError ? error.message : "That did not work. Try again.");
    }
    await refresh().catch(() => undefined); // the list catches up with the next progress event
  };

  const rowActions = (row: ApplicationRow): { label: string; run: () => void }[] => {
    const name = fullName(row.member) || `row ${row.row_number}`;
    const open = { label: "Edit", run: () => go(`/applications/${encodeURIComponent(row.application_id)}`) };
    const remove = {
      label: "Delete",
      run: () =>
        void act(async () => {
          if (!(await confirm("Delete application", `Delete the application of ${name} (row ${row.row_number})? This cannot be undone.`, "Delete"))) return null;
          await call("DELETE", `/applications/${seg(row.application_id)}`);
          return `The application of ${name} was deleted.`;
        }),
    };
    if (row.status === "rejected") {
      return [
        { label: "View Reason", run: () => void modal(`Why row ${row.row_number} was rejected`, [h("ul", {}, row.issues.map((i) => h("li", {}, i.message)))], [{ label: "Close", value: "close" }]) },
        remove,
      ];
    }
    return [
      open,
      remove,
      {
        label: "Submit",
        run: () =>
          void act(async () => {
            const done = await post<{ confirmation_id: string }>(`/applications/${seg(row.application_id)}/submit`);
            return `The application of ${name} was submitted. Confirmation ID ${done.confirmation_id}.`;
          }),
      },
      {
        label: "Save for Later",
        run: () =>
          void act(async () => {
            await post(`/applications/${seg(row.application_id)}/save`);
            return `The application of ${name} was saved for later: find it under Saved for Later for 30 days.`;
          }),
      },
    ];
  };

  const tabContent = (rows: Page<ApplicationRow>): Node[] => {
    if (rows.total === 0) {
      const empty = { ready: "No applications are ready to submit.", error: "No applications have errors.", rejected: "No applications were rejected." }[tab];
      return [h("p", { class: "empty muted" }, progress.complete || progress.status === "failed" ? empty : "Rows are still being checked…")];
    }
    return [
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "card applications" },
          h("thead", {}, h("tr", {}, ["Row", "Member", "Relationship", "Subgroup", "SSN", tab === "ready" ? "Status" : "Issues", ""].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            rows.items.map((row) =>
              h(
                "tr",
                { "data-application": row.application_id },
                h("td", { class: "num" }, String(row.row_number)),
                h("td", {}, fullName(row.member)),
                h("td", {}, row.member?.relationship ?? ""),
                h("td", {}, row.member?.subgroup_id ?? ""),
                h("td", {}, maskedSsn(row.member?.ssn_last4)),
                h("td", { class: "issues" }, tab === "ready" ? "Ready to submit" : h("ul", {}, row.issues.map((i) => h("li", {}, i.message)))),
                h("td", { class: "row-actions" }, enroller ? actionsMenu(`Actions for row ${row.row_number}`, rowActions(row)) : null),
              ),
            ),
          ),
        ),
      ),
      pager(rows.page, rows.page_size, rows.total, (p) => go(here(tab, p)), "applications"),
    ];
  };

  if (enroller) {
    if (tab === "ready") {
      bulk.append(
        h("button", {
          type: "button",
          id: "submit-ready",
          onclick: () =>
            void act(async () => {
              if (!(await confirm("Submit Ready Applications", `Submit all ${progress.ready} ready application(s) for KP review?`, "Submit"))) return null;
              const done = await post<{ submitted: number; applications: { application_id: string; confirmation_id: string }[] }>(`/uploads/${seg(uploadId)}/submit-ready`);
              await modal("Applications submitted", [
                h("p", {}, `${done.submitted} application(s) were submitted successfully.`),
                h("ul", { class: "confirmations" }, done.applications.map((a) => h("li", {}, `Row ${Number(a.application_id.split("-").pop())}: confirmation ID `, h("strong", {}, a.confirmation_id)))),
                h("p", {}, "Follow their status in ", h("a", { href: `#/groups/${encodeURIComponent(progress.group_id)}/history` }, "Transaction History"), "."),
              ], [{ label: "Close", value: "close" }]);
              return `${done.submitted} application(s) submitted.`;
            }),
        }, "Submit Ready Applications"),
      );
    }
    if (tab === "error") {
      bulk.append(
        h("a", { class: "button secondary", href: `/api/v1/uploads/${seg(uploadId)}/error-report`, download: "" }, "Download Error Report"),
        h("button", {
          type: "button",
          id: "delete-errors",
          class: "danger",
          onclick: () =>
            void act(async () => {
              if (!(await confirm("Delete All Error Applications", `Delete all ${progress.error} application(s) with errors? This cannot be undone.`, "Delete all"))) return null;
              const done = await post<{ deleted: number }>(`/uploads/${seg(uploadId)}/delete-errors`);
              return `${done.deleted} error application(s) deleted.`;
            }),
        }, "Delete All Error Applications"),
      );
    }
    bulk.append(
      h("button", {
        type: "button",
        id: "withdraw",
        class: "secondary",
        onclick: () =>
          void act(async () => {
            if (!(await confirm("Withdraw this upload", "Delete every application of this upload that has not been submitted, and release its members? Submitted applications are kept.", "Withdraw"))) return null;
            const done = await post<{ withdrawn: number; kept_submitted?: number }>(`/uploads/${seg(uploadId)}/withdraw`);
            return `${done.withdrawn} application(s) withdrawn${done.kept_submitted ? `; ${done.kept_submitted} submitted kept` : ""}.`;
          }),
      }, "Withdraw Upload"),
    );
  }

  const wait = loading("applications");
  panel.append(wait);
  await refresh();

  // Counts and the tab follow the dashboard as rows are classified and changed.
  let pending: number | undefined;
  const shape = (p: Progress) => [p.classified, p.ready, p.error, p.rejected, p.complete, p.status].join();
  const later = () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => {
      // Not under the user's hands: while a menu or a dialog is open, the list waits.
      if (panel.querySelector('[aria-expanded="true"]') || document.querySelector("dialog[open]")) return later();
      void refresh().catch(() => undefined);
    }, 250);
  };
  const stop = watchUpload(uploadId, (p) => {
    const changed = shape(p) !== shape(progress);
    progress = { ...progress, ...p };
    showSummary(progress);
    TABS.forEach(([key, label], i) => (tabButtons[i].textContent = `${label} (${counts(progress)[key]})`));
    if (changed) later();
  });
  onLeave(() => {
    stop();
    window.clearTimeout(pending);
  });
}
