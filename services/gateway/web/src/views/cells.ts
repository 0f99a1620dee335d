import { get, type Column, type Group, type Issue } from "../api";
import { h } from "../dom";
import { subgroupIds } from "./group";

const columnsByRegion = new Map<string, Column[]>();

export async function columnsFor(region: string): Promise<Column[]> {
  if (!columnsByRegion.has(region)) columnsByRegion.set(region, await get<Column[]>("/mass-enrollment/columns", { region }));
  return columnsByRegion.get(region)!;
}

/** The application's cells as form fields, each with its rule and its errors beside it. */
export function cellFields(columns: Column[], group: Group, values: Record<string, string | null>, issues: Issue[]): HTMLElement {
  const byHeader = new Map<string, Issue[]>();
  for (const issue of issues) {
    const key = issue.column ?? "";
    byHeader.set(key, [...(byHeader.get(key) ?? []), issue]);
  }
  const fields = columns.map((column) => {
    const id = `cell-${column.key}`;
    const problems = byHeader.get(column.header) ?? [];
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const value = values[column.key] ?? "";
    const required = column.required === "all";
    const attrs = {
      id,
      name: column.key,
      "aria-describedby": problems.length ? `${errorId} ${hintId}` : hintId,
      "aria-invalid": problems.length ? "true" : null,
      required: required || null,
    };
    let input: HTMLElement;
    if (column.kind === "code") {
      const codes = column.key === "subgroup_id" ? subgroupIds(group) : column.codes;
      const options = [...new Set([...(value && !codes.includes(value) ? [value] : []), ...codes])];
      input = h("select", attrs, h("option", { value: "" }, "—"), options.map((c) => h("option", { value: c, selected: c === value || null }, c)));
    } else {
      input = h("input", { ...attrs, type: "text", value, maxlength: column.max_length, placeholder: column.kind === "date" ? "MM/DD/YYYY" : null, autocomplete: "off" });
    }
    return h(
      "div",
      { class: `field${problems.length ? " invalid" : ""}`, "data-column": column.key },
      h("label", { for: id }, column.header, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      input,
      problems.length ? h("p", { class: "field-error", id: errorId }, problems.map((p) => p.message).join(" ")) : null,
      h("p", { class: "hint", id: hintId }, column.rule),
    );
  });
  // Issues about the row as a whole (no column of the form) are listed above the fields.
  const general = issues.filter((i) => !columns.some((c) => c.header === i.column));
  return h(
    "div",
    { class: "cells" },
    general.length ? h("ul", { class: "row-issues", role: "alert" }, general.map((i) => h("li", {}, i.message))) : null,
    h("div", { class: "field-grid" }, fields),
  );
}

/** The form's values, cell key → text (empty → null). */
export function formCells(form: HTMLFormElement, columns: Column[]): Record<string, string | null> {
  const data = new FormData(form);
  const cells: Record<string, string | null> = {};
  for (const column of columns) {
    const value = String(data.get(column.key) ?? "").trim();
    cells[column.key] = value === "" ? null : value;
  }
  return cells;
}
