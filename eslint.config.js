// ESLint for the extension, its build script and its tests (flat config).
import js from "@eslint/js";
import globals from "globals";

// Text from email reaches the panel; it must never be parsed as HTML.
const NO_HTML_SINKS = [
  {
    selector: "MemberExpression[property.name=/^(innerHTML|outerHTML|insertAdjacentHTML)$/]",
    message: "Never write HTML: build elements and set textContent (the panel shows text from email).",
  },
  {
    selector: "CallExpression[callee.property.name=/^(write|writeln)$/][callee.object.name='document']",
    message: "document.write parses HTML; build elements instead.",
  },
  {
    selector: "CallExpression[callee.property.name='createContextualFragment']",
    message: "createContextualFragment parses HTML; build elements instead.",
  },
];

export default [
  { ignores: ["dist/", "node_modules/", ".venv/", ".import_linter_cache/", "backend/", "instance/", "tests/browser/"] },
  js.configs.recommended,
  {
    files: ["extension/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.webextensions },
    },
    rules: {
      "no-restricted-syntax": ["error", ...NO_HTML_SINKS],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-restricted-globals": ["error", { name: "chrome", message: "Reach chrome.* through shared/chrome-api.js." }],
    },
  },
  { files: ["extension/shared/chrome-api.js"], rules: { "no-restricted-globals": "off" } },
  {
    // Gmail code never calls the backend.
    files: ["extension/gmail/**/*.js"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/api/*"], message: "Gmail code never calls the backend." }] }],
      "no-restricted-globals": [
        "error",
        { name: "chrome", message: "Reach chrome.* through shared/chrome-api.js." },
        { name: "fetch", message: "Gmail code never calls the backend." },
        { name: "XMLHttpRequest", message: "Gmail code never calls the backend." },
      ],
    },
  },
  {
    // Backend calls never touch a page.
    files: ["extension/api/**/*.js"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "chrome", message: "Reach chrome.* through shared/chrome-api.js." },
        { name: "document", message: "Backend calls never touch a page." },
        { name: "window", message: "Backend calls never touch a page." },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "tests/**/*.js", "eslint.config.js", "bench/**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
];
