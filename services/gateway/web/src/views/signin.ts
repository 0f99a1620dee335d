import { ApiError, post, setSession, type User } from "../api";
import { alertBox, h, say } from "../dom";

export async function signInView(root: HTMLElement, signedIn: (user: User) => Promise<void>): Promise<void> {
  document.title = "Sign in · Broker & Employer Portal";
  const problem = alertBox("sign-in-error");
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { id: "sign-in-form", class: "card narrow", novalidate: true },
    h("label", {}, "User name", h("input", { name: "username", autocomplete: "username", required: true })),
    h("label", {}, "Password", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    problem,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const username = String(data.get("username") ?? "").trim();
    const password = String(data.get("password") ?? "");
    if (!username || !password) return say(problem, "Enter your user name and password.");
    submit.disabled = true;
    say(problem, "");
    try {
      const user = await post<User>("/session", { username, password });
      setSession(user);
      await signedIn(user);
    } catch (error) {
      say(problem, error instanceof ApiError ? error.message : "Sign-in failed. Try again.");
    } finally {
      submit.disabled = false;
    }
  });
  root.append(h("h1", { tabindex: "-1" }, "Sign in"), form);
  form.querySelector("input")?.focus();
}
