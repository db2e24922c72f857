// Backfill runs: upload a legacy export (the six JSON Lines files, or one zip of them), dry run or run,
// follow it, read the report's counts and download the rows file.
import { ApiError, call } from "../api.js";
import { alertLine, failed, h, loading, message, routeLink, routeQuery, show, statusLine, table, when } from "../ui.js";

/** @typedef {import("../api.js").Schemas["BackfillRun"]} Run */
/** @typedef {import("../api.js").Schemas["UploadLink"]} UploadLink */

const EXPORT_FILES = ["auth_users.jsonl", "customers_v2.jsonl", "otp_users.jsonl", "booking_users.jsonl", "customers.jsonl", "bookings.jsonl"];
const POLL_MS = 1000;
const STATUS_WORDS = { created: "Waiting for its files", running: "Running", succeeded: "Finished", failed: "Failed" };
let polling = 0;

export async function backfillPage() {
  window.clearTimeout(polling);
  const runId = routeQuery().get("run");
  if (runId) return runPage(runId);
  loading("the backfill runs");
  let runs;
  try {
    runs = await call("GET", "/admin/backfill-runs");
  } catch (error) {
    return show(h("h1", null, "Backfill"), failed(error, backfillPage));
  }
  /** @type {Run[]} */
  const items = runs.items;
  show(
    h("h1", null, "Backfill"),
    h("p", null, "Import a legacy export: one customer per phone, every row accounted for in the report. A dry run writes nothing and shows what a run would do."),
    uploadForm(),
    items.length
      ? table(`${items.length} recent runs, newest first`, ["Run", "Mode", "Status", "Created"], items, (run) => [
          h("a", { href: routeLink("/backfill", { run: run.run_id }) }, run.run_id),
          run.dry_run ? "Dry run" : "Run",
          STATUS_WORDS[run.status],
          when(run.created_at),
        ])
      : h("p", { class: "empty" }, "No backfill has been run from the console yet."),
  );
}

function uploadForm() {
  const slot = h("div", { class: "message-slot" });
  const progress = h("div", { class: "upload-progress" });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, "New run"),
    h(
      "div",
      { class: "field" },
      h("label", { for: "export-files" }, "Export files (the six .jsonl files, or one .zip of them)"),
      h("input", { id: "export-files", name: "files", type: "file", multiple: true, accept: ".jsonl,.zip", "aria-describedby": "export-help" }),
      h("p", { id: "export-help", class: "muted" }, `Any of ${EXPORT_FILES.join(", ")}.`),
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "Mode"),
      h("div", null, h("input", { type: "radio", id: "mode-dry", name: "mode", value: "dry", checked: true }), h("label", { for: "mode-dry" }, " Dry run: write nothing, only the report")),
      h("div", null, h("input", { type: "radio", id: "mode-run", name: "mode", value: "run" }), h("label", { for: "mode-run" }, " Run: import into the customers")),
    ),
    h("button", { type: "submit" }, "Upload and start"),
    progress,
    slot,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (form.querySelector("#export-files"));
    const files = Array.from(input.files || []);
    const problem = checkFiles(files);
    if (problem) return slot.replaceChildren(alertLine(problem));
    const dryRun = new FormData(/** @type {HTMLFormElement} */ (form)).get("mode") !== "run";
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    slot.replaceChildren();
    try {
      const zip = files[0].name.toLowerCase().endsWith(".zip");
      /** @type {import("../api.js").Schemas["NewBackfillRunAnswer"]} */
      const created = await call("POST", "/admin/backfill-runs", { body: { dry_run: dryRun, upload: zip ? "zip" : "jsonl" } });
      const links = new Map(created.uploads.map((link) => [link.file, link.url]));
      for (const [index, file] of files.entries()) {
        const name = zip ? "export.zip" : file.name;
        await upload(/** @type {string} */ (links.get(name)), file, (done) => {
          progress.replaceChildren(
            h("label", { for: "upload-bar" }, `Uploading ${file.name} (${index + 1} of ${files.length})`),
            h("progress", { id: "upload-bar", max: String(file.size || 1), value: String(done) }),
          );
        });
      }
      progress.replaceChildren(statusLine("Uploaded. Starting…"));
      await call("POST", `/admin/backfill-runs/${encodeURIComponent(created.run.run_id)}/start`, { body: {} });
      location.hash = routeLink("/backfill", { run: created.run.run_id });
    } catch (error) {
      progress.replaceChildren();
      slot.replaceChildren(alertLine(words(error)));
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return form;
}

/** What is wrong with the chosen files, in words; "" when they can be uploaded. @param {File[]} files */
function checkFiles(files) {
  if (!files.length) return "Choose the export's files first.";
  const zips = files.filter((file) => file.name.toLowerCase().endsWith(".zip"));
  if (zips.length && files.length > 1) return "Choose one .zip, or the .jsonl files, not both.";
  if (zips.length) return "";
  const unknown = files.find((file) => !EXPORT_FILES.includes(file.name));
  if (unknown) return `“${unknown.name}” is not one of the export files (${EXPORT_FILES.join(", ")}).`;
  return "";
}

/** The words for a failed upload or start: the file the service names first. @param {unknown} error */
function words(error) {
  if (error instanceof ApiError && error.code === "invalid_export_file") return `${error.message} Nothing was started: fix the file and start a new run.`;
  return message(error);
}

/**
 * PUT a file to its upload link, reporting bytes sent (fetch cannot report upload progress).
 * @param {string} url @param {File} file @param {(done: number) => void} onProgress @returns {Promise<void>}
 */
function upload(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    request.addEventListener("load", () =>
      request.status >= 200 && request.status < 300 ? resolve() : reject(new ApiError(request.status, "upload_failed", `Uploading ${file.name} failed (${request.status}). Start a new run.`, null)),
    );
    request.addEventListener("error", () => reject(new ApiError(0, "network", `Uploading ${file.name} failed: the connection broke. Start a new run.`, null)));
    onProgress(0);
    request.send(file);
  });
}

/** One run: followed while it runs (a visible indicator, read every second), then its report. @param {string} runId */
async function runPage(runId) {
  loading("the run");
  /** @type {Run} */
  let run;
  try {
    run = (await call("GET", `/admin/backfill-runs/${encodeURIComponent(runId)}`)).run;
  } catch (error) {
    return show(h("h1", null, "Backfill run"), failed(error, backfillPage));
  }
  show(
    h("h1", null, `${run.dry_run ? "Dry run" : "Run"} ${run.run_id}`),
    h("p", null, h("a", { href: "#/backfill" }, "All runs")),
    h("div", { id: "run-state" }, runState(run)),
  );
  if (run.status === "running") follow(runId);
}

/** @param {string} runId */
function follow(runId) {
  polling = window.setTimeout(async () => {
    const place = document.getElementById("run-state");
    if (!place || routeQuery().get("run") !== runId) return;
    try {
      /** @type {Run} */
      const run = (await call("GET", `/admin/backfill-runs/${encodeURIComponent(runId)}`)).run;
      place.replaceChildren(runState(run));
      if (run.status === "running") follow(runId);
      else /** @type {HTMLElement | null} */ (place.querySelector("h2"))?.focus();
    } catch (error) {
      place.replaceChildren(alertLine(`${message(error)} The run goes on; reload to follow it again.`));
    }
  }, POLL_MS);
}

/** @param {Run} run */
function runState(run) {
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", null, "Status"),
    h("dd", null, STATUS_WORDS[run.status]),
    h("dt", null, "Created"),
    h("dd", null, when(run.created_at)),
    h("dt", null, "Started"),
    h("dd", null, when(run.started_at)),
    h("dt", null, "Finished"),
    h("dd", null, when(run.finished_at)),
  );
  if (run.status === "running" || run.status === "created") {
    const progress = run.progress;
    const text = progress && progress.chunks_total ? `Writing: ${progress.chunks_done} of ${progress.chunks_total} parts done.` : run.status === "created" ? "Waiting for its files to be uploaded and the run started." : "Reading the export and planning…";
    return h(
      "section",
      { class: "card", "aria-busy": run.status === "running" ? "true" : null, "aria-labelledby": "state-title" },
      h("h2", { id: "state-title", tabindex: "-1" }, run.status === "running" ? "Running" : "Not started"),
      h("p", { class: run.status === "running" ? "loading" : "", role: "status" }, text),
      progress && progress.chunks_total ? h("progress", { max: String(progress.chunks_total), value: String(progress.chunks_done), "aria-label": "Parts written" }) : null,
      facts,
    );
  }
  if (run.status === "failed") {
    return h("section", { class: "card", "aria-labelledby": "state-title" }, h("h2", { id: "state-title", tabindex: "-1" }, "Failed"), alertLine(run.error || "The run failed."), facts);
  }
  const summary = /** @type {NonNullable<Run["summary"]>} */ (run.summary);
  const outcomes = Object.keys(summary.outcomes);
  return h(
    "section",
    { class: "card", "aria-labelledby": "state-title" },
    h("h2", { id: "state-title", tabindex: "-1" }, "Report"),
    statusLine(`${summary.rows_total} rows read, every one reported; ${summary.customers_created} customers ${run.dry_run ? "would be created" : "created"}${summary.first_number ? ` from number ${summary.first_number}` : ""}; ${summary.conflicts} conflicts.`),
    facts,
    table(
      `Rows by export file and outcome (${summary.rows_reported} rows)`,
      ["File", ...outcomes],
      [...Object.entries(summary.by_collection), ["All files", summary.outcomes]],
      ([collection, counts]) => [/** @type {string} */ (collection), ...outcomes.map((outcome) => /** @type {Record<string, number>} */ (counts)[outcome] || 0)],
    ),
    run.rows_file_url ? h("p", null, h("a", { href: run.rows_file_url, download: "backfill-rows.jsonl" }, "Download the rows file (one line per input line)")) : null,
    run.dry_run ? h("p", null, "Nothing was written. Start a new run in Run mode to import.") : null,
  );
}
