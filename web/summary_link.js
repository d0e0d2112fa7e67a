// summary_link.js — the one link from the patient page (patient.html?id=…)
// to the patient's emergency summary (summary.html). Kept apart from
// patient.js: it only fills in the link's address and text.
import { addText, t, onLang } from './common.js';

addText({ 'summary-link': ['救急サマリー', 'Emergency summary'] });

const a = document.getElementById('summary-link');
const id = new URLSearchParams(location.search).get('id');
if (a && id) {
  a.href = `/summary.html?patient=${encodeURIComponent(`Patient/${id}`)}`;
  const label = () => { a.textContent = t('summary-link'); };
  label();
  onLang(label);
  a.hidden = false;
}
