// The three kinds of file a draft holds, each with an editor: BPMN in bpmn-js (with the properties panel),
// DMN in dmn-js, forms (JSON Schema) as text beside a live preview drawn by the server as agents see it.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import spiffworkflow from '../shared/spiffworkflow.json';
import { csrfToken, format } from '../shared/api';
import StudioPropertiesProvider from './properties';
import { translateModule } from './translate';

const PALETTE_WIDTH = 110;

export async function bpmnEditor({ xml, canvas, panel, settings, onChange }) {
  const studioModule = {
    __init__: ['studioPropertiesProvider'],
    studioPropertiesProvider: ['type', StudioPropertiesProvider],
    studioSettings: ['value', settings],
  };
  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      studioModule,
      translateModule(settings.words),
    ],
    moddleExtensions: { spiffworkflow },
  });
  await modeler.importXML(xml);
  const view = modeler.get('canvas');
  view.zoom('fit-viewport');
  view.scroll({ dx: PALETTE_WIDTH, dy: 0 }); // keep the diagram's start clear of the palette
  modeler.on('commandStack.changed', onChange);
  return {
    viewer: modeler,
    async text() {
      return (await modeler.saveXML({ format: true })).xml;
    },
  };
}

export async function dmnEditor({ xml, canvas, panel, words, onChange }) {
  panel.hidden = true;
  canvas.classList.add('dmn');
  // dmn-js gives each view (diagram, table, literal expression) its own modules: translate in every one.
  const translated = { additionalModules: [translateModule(words)] };
  const modeler = new DmnModeler({
    container: canvas,
    drd: translated,
    decisionTable: translated,
    literalExpression: translated,
    boxedExpression: translated,
  });
  await modeler.importXML(xml);
  // Open the decision table itself: that is what a process owner edits.
  const table = modeler.getViews().find((view) => view.type === 'decisionTable');
  if (table) {
    await modeler.open(table);
  }
  modeler.on('views.changed', () => {
    const active = modeler.getActiveViewer();
    if (active) {
      active.on('commandStack.changed', onChange);
    }
  });
  const active = modeler.getActiveViewer();
  if (active) {
    active.on('commandStack.changed', onChange);
  }
  return {
    viewer: null,
    table: canvas,
    async text() {
      return (await modeler.saveXML({ format: true })).xml;
    },
  };
}

export function jsonEditor({ content, area, preview, previewUrl, texts, onChange }) {
  area.value = content;
  let timer = null;
  const draw = async () => {
    let parsed = null;
    try {
      parsed = JSON.parse(area.value);
      area.setCustomValidity('');
    } catch (error) {
      area.setCustomValidity(format(texts.json_invalid, { message: error.message }));
    }
    const response = await fetch(previewUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
      body: parsed === null ? area.value : JSON.stringify(parsed),
    });
    // The server renders the fragment with the agents' own form macro (escaped by Jinja).
    preview.innerHTML = await response.text();
  };
  area.addEventListener('input', () => {
    onChange();
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
  draw();
  return {
    viewer: null,
    async text() {
      return area.value;
    },
  };
}
