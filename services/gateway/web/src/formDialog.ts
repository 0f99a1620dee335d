// A modal dialog holding a small form (KP's Return with instructions, Approve with a note):
// native <dialog> (focus moves in, Escape cancels, focus comes back to the opener), labelled
// fields, and the server's refusal shown beside the field it is about; the dialog stays open
// until the action is done or the user cancels.
import { ApiError } from "./api";
import { h } from "./dom";

export interface DialogField {
  name: string;
  label: string;
  kind?: "text" | "textarea" | "tel";
  required?: boolean;
  hint?: string;
  maxlength?: number;
  autocomplete?: string;
}

export interface FormDialog {
  title: string;
  intro?: string;
  fields: DialogField[];
  submit: string;
  /** Does the action; a refusal it throws is shown in the dialog. */
  send: (values: Record<string, string>) => Promise<void>;
  /** Which field a refusal is about (by its code), if any. */
  fieldOf?: (error: ApiError) => string | null;
}

/** Opens the dialog; true once `send` succeeded, false when cancelled (Cancel, Escape). */
export function formDialog(spec: FormDialog): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const tag = Math.random().toString(36).slice(2);
  const titleId = `dialog-title-${tag}`;
  const idOf = (name: string) => `dialog-${tag}-${name}`;
  const general = h("p", { class: "alert", role: "alert", hidden: true });
  const controls = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  const fields = spec.fields.map((f) => {
    const id = idOf(f.name);
    const hintId = f.hint ? `${id}-hint` : null;
    const attrs = {
      id,
      name: f.name,
      required: f.required || null,
      maxlength: f.maxlength ?? null,
      autocomplete: f.autocomplete ?? "off",
      "aria-describedby": hintId,
    };
    const control = f.kind === "textarea" ? h("textarea", { ...attrs, rows: 4 }) : h("input", { ...attrs, type: f.kind === "tel" ? "tel" : "text" });
    controls.set(f.name, control);
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    errors.set(f.name, error);
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, f.label, f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      control,
      error,
      f.hint ? h("p", { class: "hint", id: hintId }, f.hint) : null,
    );
  });
  const sendButton = h("button", { type: "submit" }, spec.submit);
  const form = h(
    "form",
    { class: "dialog-form", novalidate: true },
    spec.intro ? h("p", {}, spec.intro) : null,
    fields,
    general,
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", "data-cancel": "1" }, "Cancel"), sendButton),
  );
  const dialog = h("dialog", { "aria-labelledby": titleId, class: "modal" }, h("h2", { id: titleId }, spec.title), form);
  document.body.append(dialog);

  const clear = () => {
    general.hidden = true;
    general.textContent = "";
    for (const [name, error] of errors) {
      error.hidden = true;
      error.textContent = "";
      const control = controls.get(name)!;
      control.removeAttribute("aria-invalid");
      control.closest(".field")?.classList.remove("invalid");
      const hint = spec.fields.find((f) => f.name === name)?.hint;
      if (hint) control.setAttribute("aria-describedby", `${control.id}-hint`);
      else control.removeAttribute("aria-describedby");
    }
  };
  const wrong = (name: string, message: string) => {
    const control = controls.get(name)!;
    const error = errors.get(name)!;
    error.textContent = message;
    error.hidden = false;
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", [error.id, control.getAttribute("aria-describedby")].filter(Boolean).join(" "));
    control.closest(".field")?.classList.add("invalid");
  };

  return new Promise((resolve) => {
    let done = false;
    let sending = false;
    const cancelButton = form.querySelector<HTMLButtonElement>("[data-cancel]")!;
    cancelButton.addEventListener("click", () => dialog.close());
    // While the action is on its way, the dialog stays: its outcome decides what the page shows.
    dialog.addEventListener("cancel", (event) => {
      if (sending) event.preventDefault();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear();
      const values: Record<string, string> = {};
      for (const [name, control] of controls) values[name] = control.value.trim();
      const missing = spec.fields.filter((f) => f.required && !values[f.name]);
      for (const f of missing) wrong(f.name, `${f.label} is required; fill it in.`);
      if (missing.length) {
        controls.get(missing[0].name)!.focus();
        return;
      }
      sendButton.disabled = cancelButton.disabled = sending = true;
      try {
        await spec.send(values);
        done = true;
        sending = false;
        dialog.close();
      } catch (error) {
        const message = error instanceof ApiError ? error.message : "This could not be done. Try again.";
        const field = error instanceof ApiError ? spec.fieldOf?.(error) : null;
        if (field && controls.has(field)) {
          wrong(field, message);
          controls.get(field)!.focus();
        } else {
          general.textContent = message;
          general.hidden = false;
        }
      } finally {
        sendButton.disabled = cancelButton.disabled = sending = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus?.();
      resolve(done);
    });
    dialog.showModal();
    (dialog.querySelector<HTMLElement>("input, textarea") ?? sendButton).focus();
  });
}
