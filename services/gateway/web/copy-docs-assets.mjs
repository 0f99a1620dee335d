// Copies Swagger UI (from the registry, pinned in package.json) beside the build,
// so the API documentation page (/docs) needs no CDN.
import { cpSync, mkdirSync } from "node:fs";

const from = "node_modules/swagger-ui-dist";
mkdirSync("dist/swagger", { recursive: true });
for (const file of ["swagger-ui.css", "swagger-ui-bundle.js", "LICENSE"]) {
  cpSync(`${from}/${file}`, `dist/swagger/${file}`);
}
