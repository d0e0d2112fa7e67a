// app.js — the landing page: server status and the participating facilities,
// read from the FHIR API. Japanese first; the button switches to English.
// Every value from the server goes into the page as text (never as HTML).
const en = {
  title: 'Regional health information network',
  lead: 'Hospitals, clinics, pharmacies, home-nursing stations and care offices of the region share patients\u2019 records, with the patient\u2019s consent, and work together across professions.',
  server: 'Server', facilities: 'Participating facilities', code: 'Facility code', name: 'Name',
  kind: 'Kind', address: 'Address', empty: 'No facility is registered yet.', api: 'FHIR API',
  'api-text': 'Facility systems connect through FHIR R4 (JP Core).',
  'login-note': 'Patient records are shown after login and the consent check (access control).',
  synthetic: 'All patient data in this demo is synthetic.',
  login: 'Log in', logout: 'Log out', 'need-login': 'Log in to see the participating facilities.',
};
let session = null;
const kinds = {
  hospital: ['病院', 'Hospital'], clinic: ['診療所', 'Clinic'], pharmacy: ['薬局', 'Pharmacy'],
  home_nursing: ['訪問看護ステーション', 'Home-nursing station'],
  care_management: ['居宅介護支援事業所', 'Care-management office'],
  community_support: ['地域包括支援センター', 'Community support centre'], other: ['その他', 'Other'],
};
let lang = localStorage.getItem('renkei.lang') || 'ja';
const ja = {};
document.querySelectorAll('[data-i18n]').forEach((el) => { ja[el.dataset.i18n] = el.textContent; });
let facilities = [];

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = (lang === 'en' ? en : ja)[el.dataset.i18n];
  });
  document.getElementById('lang').textContent = lang === 'en' ? '日本語' : 'English';
  renderSession();
  renderFacilities();
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  return td;
}

function renderSession() {
  const who = document.getElementById('who');
  document.getElementById('login').hidden = !!session;
  document.getElementById('logout').hidden = !session;
  if (!session) {
    who.textContent = '';
    return;
  }
  const a = session.account;
  who.textContent = lang === 'en' ? `${a.name} (${a.role}, ${a.facility_name})` : `${a.name}（${a.role_ja}・${a.facility_name}）`;
}

function renderFacilities() {
  const body = document.querySelector('#facility-table tbody');
  body.replaceChildren();
  for (const f of facilities) {
    const code = (f.identifier || []).find((i) => /^\d{10}$/.test(i.value || ''))?.value;
    const kindCode = f.type?.[0]?.coding?.find((c) => c.system === 'urn:renkei:CodeSystem:facility-kind')?.code || 'other';
    const tr = document.createElement('tr');
    tr.append(cell(code), cell(f.name), cell((kinds[kindCode] || kinds.other)[lang === 'en' ? 1 : 0]),
      cell(f.address?.[0]?.text));
    body.append(tr);
  }
  const empty = document.getElementById('facility-empty');
  empty.hidden = facilities.length > 0;
  if (!session) empty.textContent = lang === 'en' ? en['need-login'] : 'ログインすると参加施設が表示されます。';
}

async function load() {
  try {
    const h = await fetch('/healthz').then((r) => r.json());
    document.getElementById('health').textContent = h.status === 'ok' ? 'OK' : h.status;
  } catch {
    document.getElementById('health').textContent = '—';
  }
  try {
    const meta = await fetch('/fhir/metadata').then((r) => r.json());
    document.getElementById('region').textContent = meta.implementation?.description || 'renkei';
    const s = await fetch('/api/session', { credentials: 'same-origin' });
    session = s.ok ? await s.json() : null;
    if (session && session.stage !== 'ok') session = null;
    if (session) {
      const b = await fetch('/fhir/Organization?_count=100&_sort=identifier', { credentials: 'same-origin' }).then((r) => r.json());
      facilities = (b.entry || []).map((e) => e.resource);
    }
  } catch {
    facilities = [];
  }
  renderSession();
  renderFacilities();
}

document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': session?.csrf || '' } });
  session = null;
  facilities = [];
  renderSession();
  renderFacilities();
});

document.getElementById('lang').addEventListener('click', () => {
  lang = lang === 'en' ? 'ja' : 'en';
  localStorage.setItem('renkei.lang', lang);
  applyLang();
});
applyLang();
load();
