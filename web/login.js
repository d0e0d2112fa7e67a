// login.js — the login flow: ID and password, then the one-time code (or its
// first enrolment), then the forced password change at first login. The
// server decides the next step ("stage"); this page only shows it. Messages
// come from the server's reason codes, in Japanese first.
const text = {
  ja: {
    invalid_credentials: 'ログインIDまたはパスワードが違います。',
    locked: 'アカウントがロックされています。しばらくしてから再度お試しください。',
    invalid_code: 'ワンタイムコードが違うか、有効期限切れ、または使用済みです。',
    too_short: 'パスワードが短すぎます。', too_long: 'パスワードが長すぎます。',
    classes: '英大文字・英小文字・数字・記号のうち3種類以上を使ってください。',
    common: 'よく使われるパスワードは使えません。', contains_id: 'ログインIDを含むパスワードは使えません。',
    contains_name: '氏名を含むパスワードは使えません。', contains_birthdate: '生年月日を含むパスワードは使えません。',
    repetition: '同じ文字の繰り返しは使えません。', sequence: '連続した文字（abcd、1234 など）は使えません。',
    unchanged: '新しいパスワードは現在のものと違うものにしてください。', mismatch: '確認用のパスワードが一致しません。',
    encoding: '使えない文字が含まれています。', network: 'サーバーに接続できません。', other: 'ログインできませんでした。',
    done: 'ログインしました。',
  },
  en: {
    invalid_credentials: 'Wrong login ID or password.', locked: 'The account is locked. Please try again later.',
    invalid_code: 'The one-time code is wrong, expired or already used.', too_short: 'The password is too short.',
    too_long: 'The password is too long.', classes: 'Use at least three of: upper case, lower case, digits, symbols.',
    common: 'That password is too common.', contains_id: 'The password must not contain the login ID.',
    contains_name: 'The password must not contain your name.', contains_birthdate: 'The password must not contain your birth date.',
    repetition: 'Do not repeat one character.', sequence: 'Do not use sequences such as abcd or 1234.',
    unchanged: 'Choose a password other than the current one.', mismatch: 'The two new passwords differ.',
    encoding: 'The password contains characters that cannot be used.', network: 'Cannot reach the server.',
    other: 'The login did not succeed.', done: 'Logged in.',
    title: 'Regional health information network', heading: 'Log in', account: 'Login ID', password: 'Password',
    next: 'Next', 'totp-help': 'Enter the 6-digit one-time code shown by your authenticator app.', code: 'One-time code',
    login: 'Log in', 'enroll-help': 'Set up two-factor login: add this key to an authenticator app, then enter the 6-digit code it shows.',
    secret: 'Key', uri: 'Set-up URI', confirm: 'Confirm',
    'change-help': 'First login: choose a new password (8+ characters with three of upper case, lower case, digits and symbols, or 13+ characters).',
    current: 'Current password', new: 'New password', again: 'New password (again)', change: 'Change and log in',
    notice: 'All use of this system is recorded. Accounts must not be shared.',
  },
};
let lang = localStorage.getItem('renkei.lang') || 'ja';
const ja = {};
document.querySelectorAll('[data-i18n]').forEach((el) => { ja[el.dataset.i18n] = el.textContent; });
let csrf = '';

function t(key) {
  return (lang === 'en' ? text.en[key] : text.ja[key]) ?? text.ja.other;
}

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = (lang === 'en' ? text.en[el.dataset.i18n] : ja[el.dataset.i18n]) ?? el.textContent;
  });
  document.getElementById('lang').textContent = lang === 'en' ? '日本語' : 'English';
}

function say(key) {
  const m = document.getElementById('message');
  m.textContent = t(key);
  m.hidden = false;
}

function show(stage) {
  const forms = { password: 'step-password', totp: 'step-totp', enroll_totp: 'step-enroll', change_password: 'step-password-change' };
  for (const [s, id] of Object.entries(forms)) document.getElementById(id).hidden = s !== stage;
  const form = document.getElementById(forms[stage]);
  form?.querySelector('input')?.focus();
  if (stage === 'enroll_totp') enroll();
  if (stage === 'ok') {
    say('done');
    location.assign(nextPage());
  }
}

/**
 * Where to go after login: the page the user opened before logging in
 * (?next=, set by common.js toLogin), only when it is a path of this site —
 * "/patient.html?id=…" — never another site ("//evil", "https://…",
 * "/\\evil", "javascript:…") nor the login page again; else the start page.
 */
export function nextPage(search = location.search) {
  const next = new URLSearchParams(search).get('next');
  if (!next || next.length > 2000 || !next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== location.origin || url.pathname.startsWith('/login')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...(csrf && { 'X-CSRF-Token': csrf }) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    say('network');
    return null;
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const code = json?.issue?.[0]?.details?.coding?.[0]?.code;
    say(text.ja[code] ? code : 'other');
    return null;
  }
  if (json?.csrf) csrf = json.csrf;
  document.getElementById('message').hidden = true;
  return json;
}

async function enroll() {
  const r = await call('POST', '/api/totp/enroll');
  if (!r) return;
  document.getElementById('secret').textContent = r.secret.replace(/(.{4})/g, '$1 ').trim();
  document.getElementById('uri').textContent = r.uri;
}

function fields(form) {
  return Object.fromEntries(new FormData(form).entries());
}

document.getElementById('step-password').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = fields(e.target);
  const r = await call('POST', '/api/session', { account: f.account.trim(), password: f.password });
  if (r) show(r.stage);
});
document.getElementById('step-totp').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await call('POST', '/api/session/totp', { code: fields(e.target).code.trim() });
  if (r) show(r.stage);
});
document.getElementById('step-enroll').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await call('POST', '/api/totp/confirm', { code: fields(e.target).code.trim() });
  if (r) show(r.stage);
});
document.getElementById('step-password-change').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = fields(e.target);
  if (f.new !== f.again) return say('mismatch');
  const r = await call('POST', '/api/password', { current: f.current, new: f.new });
  if (r) show(r.stage);
});
document.getElementById('lang').addEventListener('click', () => {
  lang = lang === 'en' ? 'ja' : 'en';
  localStorage.setItem('renkei.lang', lang);
  applyLang();
});

applyLang();
// A half-finished login continues where it stopped.
fetch('/api/session', { credentials: 'same-origin' }).then(async (res) => {
  if (!res.ok) return show('password');
  const s = await res.json();
  csrf = s.csrf;
  show(s.stage === 'ok' ? 'ok' : s.stage);
}).catch(() => show('password'));
