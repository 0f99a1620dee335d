import { ApiError, post, seg, type Application } from "../api";
import { alertBox, h, say } from "../dom";
import { watchUpload } from "../live";
import { go, type Screen } from "../main";
import { cellFields, columnsFor, formCells } from "./cells";
import { groupTop } from "./group";

/** Enroll a Member: one person in a form, checked by the same rules as a spreadsheet row. */
export async function enrollView({ root, params, onLeave, current }: Screen): Promise<void> {
  const [groupId] = params;
  const group = await groupTop(root, groupId, "Enroll a Member", "members");
  const columns = await columnsFor(group.region);
  const message = alertBox("enroll-message");
  const submit = h("button", { type: "submit" }, "Enroll Member");
  const form = h(
    "form",
    { id: "enroll-form", class: "card", novalidate: true },
    h("p", { class: "muted" }, "Enter one new member. The same rules apply as to a row of the Mass Enrollment spreadsheet; the application then appears with the group's uploads."),
    cellFields(columns, group, {}, []),
    message,
    h("div", { class: "actions" }, h("a", { class: "button secondary", href: `#/groups/${encodeURIComponent(group.group_id)}/members` }, "Cancel"), submit),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const cells = Object.fromEntries(Object.entries(formCells(form, columns)).filter(([, v]) => v !== null));
    if (Object.keys(cells).length === 0) return say(message, "Fill in the member's details first.");
    submit.disabled = true;
    say(message, "Checking the member…", "ok");
    try {
      const made = await post<{ upload_id: string; application_id: string }>(`/groups/${seg(group.group_id)}/members`, { region: group.region, cells });
      const checked = await new Promise<boolean>((resolve) => {
        const stop = watchUpload(made.upload_id, (p) => {
          if (p.complete || p.status === "failed") {
            stop();
            resolve(true);
          }
        });
        onLeave(() => {
          stop();
          resolve(false);
        });
      });
      if (checked && current()) go(`/applications/${encodeURIComponent(made.application_id)}`);
    } catch (error) {
      say(message, error instanceof ApiError ? error.message : "The member could not be enrolled. Try again.");
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
}

export type { Application };
