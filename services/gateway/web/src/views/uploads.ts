import { get, seg, type Page } from "../api";
import { dateTime, h, loading, pager } from "../dom";
import { go, type Screen } from "../main";
import { groupTop } from "./group";

interface UploadLine {
  upload_id: string;
  file_name?: string;
  uploaded_at?: string;
  uploaded_by?: string;
  total_rows?: number | null;
  ready: number;
  error: number;
  rejected: number;
  status: string;
}

/** My uploads: the group's recent uploads with their counts, to come back to one later. */
export async function uploadsView({ root, params, query, user }: Screen): Promise<void> {
  const [groupId] = params;
  const actions = user.role === "kp_reviewer" ? [] : [h("a", { class: "button", href: `#/groups/${encodeURIComponent(groupId)}/mass-enrollment` }, "Mass Enrollment")];
  await groupTop(root, groupId, "My uploads", "uploads", actions);
  const page = Math.max(1, Number(query.get("page")) || 1);
  const wait = loading("uploads");
  root.append(wait);
  const uploads = await get<Page<UploadLine>>(`/groups/${seg(groupId)}/uploads`, { page, page_size: 20 });
  wait.remove();
  if (uploads.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No uploads yet. Use Mass Enrollment to upload a spreadsheet of new members."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "uploads" },
        h("thead", {}, h("tr", {}, ["File", "Uploaded", "By", "Rows", "Ready", "Error", "Rejected", "Status"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          uploads.items.map((u) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: `#/uploads/${encodeURIComponent(u.upload_id)}` }, u.file_name || u.upload_id)),
              h("td", {}, dateTime(u.uploaded_at)),
              h("td", {}, u.uploaded_by ?? ""),
              h("td", { class: "num" }, String(u.total_rows ?? "")),
              h("td", { class: "num" }, String(u.ready)),
              h("td", { class: "num" }, String(u.error)),
              h("td", { class: "num" }, String(u.rejected)),
              h("td", {}, u.status),
            ),
          ),
        ),
      ),
    ),
    pager(uploads.page, uploads.page_size, uploads.total, (p) => go(`/groups/${encodeURIComponent(groupId)}/uploads?page=${p}`), "uploads"),
  );
}
