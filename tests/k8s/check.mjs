// check.mjs - check Kubernetes manifests offline against the API's schemas.
//
// Usage: node check.mjs FILE.yaml...   Exit status: 0 all valid, 1 a problem found, 2 usage.
//
// Every document of every file (multi-document YAML) must be an object of a kind the Kubernetes
// API knows (apiVersion + kind), and pass two checks:
//   1. its schema, as the API publishes it (OpenAPI, compiled by kubernetes-models into ajv
//      validators): types, enums, required fields, formats;
//   2. no field the API does not know, at any depth (what `kubectl apply --validate=strict`
//      refuses), from the same models' type declarations: each object's fields are looked up
//      in its interface, and each field's type followed into the next.
// Each problem is printed as FILE: document N (KIND NAME): PATH: message.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");

// ---- Fields each type has, from the models' .d.ts files -------------------------------------

const declared = new Map(); // .d.ts path -> {fields: Map(name -> type), imports: Map(name -> path)}

function declarations(path) {
  if (declared.has(path)) return declared.get(path);
  const text = readFileSync(path, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const from = m[2].startsWith(".")
      ? join(dirname(path), m[2])
      : join(modules, m[2]);
    imports.set(m[1], from + ".d.ts");
  }
  const fields = new Map();
  const body = text.match(/^export interface I\w+(?: extends (\w+))? \{\n([\s\S]*?)^\}/m);
  if (body) {
    if (body[1] === "TypeMeta") {
      fields.set("apiVersion", "string");
      fields.set("kind", "string");
    }
    // One field a line ("name"?: Type;), or a map over several ("name"?: {, ..., };).
    let open = null;
    for (const line of body[2].split("\n")) {
      const f = line.match(/^ {4}"([^"]+)"\??: (.*)$/);
      if (f && f[2].endsWith(";")) fields.set(f[1], f[2].slice(0, -1));
      else if (f) open = [f[1], f[2]];
      else if (open && line.startsWith(" ".repeat(4))) {
        open[1] += " " + line.trim();
        if (/^ {4}\};$/.test(line)) {
          fields.set(open[0], open[1].slice(0, -1));
          open = null;
        }
      }
    }
  }
  const d = { fields, imports, known: Boolean(body) };
  declared.set(path, d);
  return d;
}

// The .d.ts of a field's type when it is an object of the API (followed through arrays and
// maps), else null (a scalar, a string-or-number, free-form).
function objectType(d, type) {
  const m = type.match(/^Array<(\w+)>$/) || type.match(/^\{\s*\[key: string\]: (\w+);\s*\}$/) ||
    type.match(/^(\w+)$/);
  return m && d.imports.has(m[1]) ? d.imports.get(m[1]) : null;
}

function strict(value, path, where, problems) {
  const d = declarations(path);
  if (!d.known || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!d.fields.has(key)) {
      problems.push(`${where}: unknown field "${key}"`);
      continue;
    }
    const type = d.fields.get(key);
    const next = objectType(d, type);
    if (!next || child === null || typeof child !== "object") continue;
    if (type.startsWith("Array<") && Array.isArray(child))
      child.forEach((c, i) => strict(c, next, `${where}.${key}[${i}]`, problems));
    else if (type.startsWith("{") && !Array.isArray(child))
      for (const [k, c] of Object.entries(child)) strict(c, next, `${where}.${key}.${k}`, problems);
    else strict(child, next, `${where}.${key}`, problems);
  }
}

// ---- One document ----------------------------------------------------------------------------

async function checkDocument(doc, label) {
  const problems = [];
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    return [`${label}: not an object`];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^\w+$/.test(kind))
    return [`${label}: no apiVersion and kind`];
  let models;
  try {
    models = await import(`kubernetes-models/${apiVersion}`) // "v1": the core group;
  } catch {
    return [`${label}: unknown apiVersion "${apiVersion}"`];
  }
  const Model = models[kind];
  if (typeof Model !== "function") return [`${label}: no kind "${kind}" in ${apiVersion}`];
  try {
    new Model(doc).validate();
  } catch (e) {
    for (const err of e.errors ?? [{ instancePath: "", message: e.message }])
      problems.push(`${label}: ${err.instancePath || "/"}: ${err.message}`);
  }
  strict(doc, join(modules, "kubernetes-models", apiVersion, `${kind}.d.ts`), label, problems);
  return problems;
}

// ---- Files -------------------------------------------------------------------------------------

async function checkFile(file) {
  const problems = [];
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
  } catch (e) {
    return [`${file}: ${e.message}`];
  }
  let n = 0;
  for (const d of docs) {
    n++;
    if (d.errors.length) {
      for (const e of d.errors) problems.push(`${file}: document ${n}: ${e.message}`);
      continue;
    }
    const doc = d.toJS();
    if (doc === null) continue; // an empty document (a trailing ---)
    const label = `${file}: document ${n} (${doc.kind ?? "?"} ${doc.metadata?.name ?? "?"})`;
    problems.push(...(await checkDocument(doc, label)));
  }
  if (n === 0) problems.push(`${file}: no document`);
  return problems;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE.yaml...");
  process.exit(2);
}
let bad = 0, objects = 0;
for (const f of files) {
  const problems = await checkFile(f);
  for (const p of problems) console.log(p);
  bad += problems.length;
  objects++;
}
console.log(`${objects} files, ${bad} problems`);
process.exit(bad ? 1 : 0);
