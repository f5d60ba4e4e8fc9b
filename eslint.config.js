// ESLint for geoprio's JavaScript: `npm ci && npm run lint` (run by .ci/run).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "data/", "static/", "build/", "dist/", ".venv/"] },
  js.configs.recommended,
  {
    // Browser scripts loaded by a <script> tag, no build step: the map decoder (inlined in
    // folium pages, served to the map component) and the map component itself.
    files: ["geoprio/**/*.js", "app/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: {
      "no-var": "off",  // plain ES5 style, as written
      eqeqeq: "error",
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-unused-vars": ["error", { args: "after-used" }],
      strict: ["error", "function"],
    },
  },
  {
    // Node: the tests and this file.
    files: ["tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
