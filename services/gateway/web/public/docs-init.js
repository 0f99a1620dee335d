// The API documentation page: Swagger UI from the registry (swagger-ui-dist,
// pinned in package.json), copied beside the build: no CDN, no inline script.
// "Try it out" runs with the signed-in session: changes carry its CSRF token.
let csrf = "";
fetch("/api/v1/session", { credentials: "same-origin" })
  .then((answer) => (answer.ok ? answer.json() : {}))
  .then((user) => (csrf = user.csrf_token || ""))
  .catch(() => undefined);

window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  requestInterceptor: (request) => {
    if (csrf && request.method && request.method.toUpperCase() !== "GET") request.headers["X-CSRF-Token"] = csrf;
    return request;
  },
});
