// team_tabs.js — the tabs of a patient's team page beyond the timeline and the
// members (face sheet, visit records, care plan, documents): each tab's module
// registers the function that fills its panel, called with the page's patient
// each time the tab is opened.
const loaders = new Map();

/** name: the tab's data-tab; load(row) fills #panel-<name>; row is the 担当患者一覧 row of the patient. */
export function registerTab(name, load) {
  loaders.set(name, load);
}

export function tabLoader(name) {
  return loaders.get(name);
}
