// A message for the next screen (a cancelled quote's words on the dashboard): kept in
// sessionStorage, so it survives the hash change and is read once.

const KEY = "portal-flash";

export interface Flash {
  message: string;
  /** A transaction the next screen must not list although its read model may not know yet. */
  hide?: string;
}

export function flash(message: string, hide?: string): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ message, hide }));
  } catch {
    /* storage refused (private mode): the message is lost, nothing else */
  }
}

export function takeFlash(): Flash | null {
  try {
    const kept = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    const parsed = kept ? (JSON.parse(kept) as Flash) : null;
    return parsed && typeof parsed.message === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** The waiting message in a status box (role=status), filled once the screen is shown so it is read out. */
export function flashBox(id: string, kept: Flash | null = takeFlash()): HTMLParagraphElement {
  const box = document.createElement("p");
  box.id = id;
  box.className = "note flash";
  box.setAttribute("role", "status");
  box.hidden = !kept;
  if (kept) window.setTimeout(() => (box.textContent = kept.message), 50);
  return box;
}
