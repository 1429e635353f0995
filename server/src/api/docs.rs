//! `GET /api/v1/docs`: a browsable page of the OpenAPI document. Self-contained (no CDN):
//! a few lines of script render `/api/v1/openapi.json` as a list of operations.

use axum::response::Html;

/// The page.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Scheduleman API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/pkg/scheduleman.css"></head>
<body class="bg-slate-50 text-slate-900 antialiased">
<main class="mx-auto max-w-4xl px-6 py-8">
<h1 class="text-2xl font-semibold">Scheduleman API</h1>
<p id="about" class="mt-2 text-sm text-slate-600"></p>
<p class="mt-2 text-sm"><a class="text-indigo-700 underline" href="/api/v1/openapi.json">openapi.json</a></p>
<div id="operations" class="mt-6 space-y-3"></div>
</main>
<script>
const text = (tag, cls, content) => { const el = document.createElement(tag); el.className = cls; el.textContent = content; return el; };
const schemaName = (content) => {
  const schema = content && content['application/json'] ? content['application/json'].schema
    : content && content['application/problem+json'] ? content['application/problem+json'].schema : null;
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  return schema.type || '';
};
fetch('/api/v1/openapi.json').then(r => r.json()).then(doc => {
  document.getElementById('about').textContent = doc.info.description || '';
  const list = document.getElementById('operations');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const card = document.createElement('section');
      card.className = 'rounded-lg border border-slate-200 bg-white p-4 shadow-sm';
      const head = document.createElement('div');
      head.className = 'flex items-center gap-3';
      head.append(text('span', 'rounded bg-indigo-600 px-2 py-0.5 text-xs font-semibold uppercase text-white', method));
      head.append(text('code', 'text-sm font-medium', path));
      card.append(head);
      if (op.description || op.summary) card.append(text('p', 'mt-2 text-sm text-slate-600', op.summary || op.description));
      const params = (op.parameters || []).map(p => `${p.name} (${p.in})`).join(', ');
      if (params) card.append(text('p', 'mt-1 text-xs text-slate-500', 'Parameters: ' + params));
      if (op.requestBody) card.append(text('p', 'mt-1 text-xs text-slate-500', 'Body: ' + schemaName(op.requestBody.content)));
      const responses = Object.entries(op.responses || {}).map(([code, r]) => code + (schemaName(r.content) ? ' ' + schemaName(r.content) : '')).join(' · ');
      card.append(text('p', 'mt-1 text-xs text-slate-500', 'Responses: ' + responses));
      list.append(card);
    }
  }
}).catch(error => { document.getElementById('about').textContent = 'Cannot load the document: ' + error; });
</script>
</body></html>"#;
