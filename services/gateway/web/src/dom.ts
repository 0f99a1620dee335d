// Building the page from data: every text goes in as a text node (never as HTML),
// so a member named <script> shows as text.

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value as EventListener);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A message in words where the user is looking (role=alert: read out by screen readers). */
export function alertBox(id: string): HTMLParagraphElement {
  return h("p", { id, class: "alert", role: "alert", hidden: true });
}

export function say(box: HTMLElement, message: string, kind: "error" | "ok" = "error"): void {
  box.textContent = message;
  box.hidden = !message;
  box.classList.toggle("ok", kind === "ok");
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function date(value: string | null | undefined): string {
  if (!value) return "";
  // A date without a time is that day wherever the reader is (new Date("2026-12-01") is UTC midnight:
  // the evening before in the Americas).
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric" });
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}

/** A modal dialog (native <dialog>: focus moves in, Escape closes, focus comes back). */
export function modal(title: string, body: (Child | Child[])[], buttons: { label: string; value: string; kind?: string }[]): Promise<string> {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, class: "modal" },
    h("h2", { id: titleId }, title),
    h("div", { class: "dialog-body" }, ...body),
    h(
      "div",
      { class: "actions" },
      buttons.map((b) => h("button", { type: "button", class: b.kind ?? "", "data-value": b.value }, b.label)),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("click", (event) => {
      const value = (event.target as HTMLElement).closest("button")?.getAttribute("data-value");
      if (value !== null && value !== undefined) dialog.close(value);
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus?.();
      resolve(dialog.returnValue || "cancel");
    });
    dialog.showModal();
    // The safe choice takes the focus first (Cancel / Close).
    (dialog.querySelector<HTMLButtonElement>("button.secondary") ?? dialog.querySelector<HTMLButtonElement>("button"))?.focus();
  });
}

export async function confirm(title: string, text: string, yes: string): Promise<boolean> {
  const answer = await modal(title, [h("p", {}, text)], [
    { label: "Cancel", value: "cancel", kind: "secondary" },
    { label: yes, value: "yes", kind: "danger" },
  ]);
  return answer === "yes";
}

/** An Actions menu (a menu button: Enter/Space/ArrowDown open it, arrows move, Escape closes). */
export function actionsMenu(label: string, items: { label: string; run: () => void }[]): HTMLElement {
  const id = `menu-${Math.random().toString(36).slice(2)}`;
  const button = h("button", { type: "button", class: "menu-button secondary", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": id, "aria-label": label }, "Actions ▾");
  const list = h("ul", { id, role: "menu", class: "menu", hidden: true });
  const entries = items.map((item) => {
    const entry = h("li", { role: "none" }, h("button", { type: "button", role: "menuitem", tabindex: "-1" }, item.label));
    entry.firstElementChild!.addEventListener("click", () => {
      close(true);
      item.run();
    });
    return entry;
  });
  list.append(...entries);
  const buttons = () => Array.from(list.querySelectorAll<HTMLButtonElement>("button"));
  const open = (focus: number) => {
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    buttons()[focus]?.focus();
  };
  const close = (refocus: boolean) => {
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  };
  button.addEventListener("click", () => (list.hidden ? open(0) : close(false)));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      open(0);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      open(items.length - 1);
    }
  });
  list.addEventListener("keydown", (e) => {
    const all = buttons();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "ArrowDown") all[(at + 1) % all.length].focus();
    else if (e.key === "ArrowUp") all[(at - 1 + all.length) % all.length].focus();
    else if (e.key === "Home") all[0].focus();
    else if (e.key === "End") all[all.length - 1].focus();
    else if (e.key === "Escape" || e.key === "Tab") close(e.key === "Escape");
    else return;
    if (e.key !== "Tab") e.preventDefault();
  });
  list.addEventListener("focusout", (e) => {
    if (!wrap.contains(e.relatedTarget as Node)) close(false);
  });
  const wrap = h("div", { class: "menu-wrap" }, button, list);
  return wrap;
}

/** Previous / next for a paged list, with where we are in words. */
export function pager(page: number, pageSize: number, total: number, go: (page: number) => void, what: string): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return h(
    "nav",
    { class: "pager", "aria-label": `${what} pages` },
    h("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(page - 1) }, "Previous"),
    h("span", { class: "muted" }, total === 0 ? `No ${what}` : `${first}–${last} of ${total} · page ${page} of ${pages}`),
    h("button", { type: "button", class: "secondary", disabled: page >= pages, onclick: () => go(page + 1) }, "Next"),
  );
}

export function loading(what: string): HTMLElement {
  return h("p", { class: "loading muted", role: "status" }, `Loading ${what}…`);
}
