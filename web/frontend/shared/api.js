// Talking to the studio's API from the page: the browser session, plus X-Requested-With on every request
// (the API refuses session changes without it), JSON in and out, errors as { status, code, message }.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(url, { method = 'GET', body } = {}) {
  const headers = { 'X-Requested-With': 'studio', Accept: 'application/json' };
  const options = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, answer);
  }
  return answer;
}

export async function text(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) {
    throw new ApiError(response.status, { message: response.statusText });
  }
  return response.text();
}

// The CSRF token the page's own forms carry (the language switch has one on every page).
export function csrfToken() {
  const input = document.querySelector('input[name="csrf_token"]');
  return input ? input.value : '';
}

// Fill %(name)s placeholders of a translated text.
export function format(template, values = {}) {
  return String(template).replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
}
