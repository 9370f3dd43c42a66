// The modelers' `translate` service in the page's language: bpmn-js, dmn-js and the properties panel pass
// every text they show (palette, context pad, replace menu, panel labels) through it. The words come from the
// page (data-modeler-texts, the server's catalog); a text the catalog lacks stays in English.
export function translateModule(words) {
  const dictionary = words || {};
  // The panel's header names types in title case ("User Task"); the menus in sentence case ("User task").
  const lookup = (text) => dictionary[text] || dictionary[text.charAt(0) + text.slice(1).toLowerCase()];
  function translate(template, replacements) {
    const values = replacements || {};
    return (lookup(template) || template).replace(/{([^}]+)}/g, (whole, key) =>
      key in values ? lookup(String(values[key])) || values[key] : whole,
    );
  }
  return { translate: ['value', translate] };
}
