// The OneShot page: drop support images under a label, drop query images, see predicted label and confidence.
"use strict";

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message || "";
}

async function call(method, url, body) {
  const response = await fetch(url, { method, body });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error((data && (data.detail || data.title)) || `${method} ${url} failed with ${response.status}`);
  }
  return data;
}

function formOf(files) {
  const form = new FormData();
  for (const file of files) {
    form.append("files", file, file.name);
  }
  return form;
}

async function refresh() {
  const [health, labels] = await Promise.all([call("GET", "/health"), call("GET", "/labels")]);
  $("status").textContent = `${health.architecture}, ${health.embeddingSize}-value embeddings; ${health.labels} labels, ${health.examples} examples`;
  const list = $("labels");
  list.replaceChildren(...labels.map((l) => {
    const item = document.createElement("li");
    item.dataset.label = l.label;
    item.dataset.count = l.count;
    item.append(`${l.label} (${l.count})`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "remove";
    remove.title = `Remove ${l.label}`;
    remove.addEventListener("click", () => run(async () => {
      await call("DELETE", `/labels/${encodeURIComponent(l.label)}`);
      await refresh();
    }));
    item.append(remove);
    return item;
  }));
}

async function run(action) {
  showError("");
  try {
    await action();
  } catch (e) {
    showError(e.message);
  }
}

async function enroll(files) {
  const label = $("label-input").value.trim();
  if (!label) {
    throw new Error("Type a label first, then drop its support images.");
  }
  await call("POST", `/labels/${encodeURIComponent(label)}/images`, formOf(files));
  await refresh();
}

async function classify(files) {
  const result = await call("POST", "/classify", formOf(files));
  const results = $("results");
  result.predictions.forEach((p, i) => {
    const figure = document.createElement("figure");
    figure.className = "result";
    figure.dataset.file = p.file;
    const img = document.createElement("img");
    img.src = URL.createObjectURL(files[i]);
    img.alt = p.file;
    const caption = document.createElement("figcaption");
    const predicted = document.createElement("span");
    predicted.className = "predicted";
    predicted.textContent = p.label;
    const confidence = document.createElement("span");
    confidence.className = "confidence";
    confidence.textContent = ` ${(100 * p.confidence).toFixed(1)}%`;
    caption.append(predicted, confidence);
    figure.append(img, caption);
    results.prepend(figure);
  });
}

function dropZone(zoneId, inputId, handler) {
  const zone = $(zoneId);
  const input = $(inputId);
  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const files = [...e.dataTransfer.files];
    if (files.length) run(() => handler(files));
  });
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    if (files.length) run(() => handler(files));
  });
}

dropZone("support-drop", "support-files", enroll);
dropZone("query-drop", "query-files", classify);
run(refresh);
