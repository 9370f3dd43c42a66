// Reading and writing what our engine reads on a BPMN element: spiffworkflow properties (form, assignTo),
// instructions, the service handler and its parameters, timers, conditions, scripts. Every write goes through
// bpmn-js's modeling service, so it can be undone and marks the draft as changed.
import { is } from 'bpmn-js/lib/util/ModelUtil';

export const ZH_MARKER = '--- 中文 ---';

export function extension(element, type) {
  const values = (element.businessObject.extensionElements || {}).values || [];
  return values.find((value) => is(value, type));
}

function ensureExtensions(element, services) {
  const { modeling, bpmnFactory } = services;
  const bo = element.businessObject;
  let extensions = bo.extensionElements;
  if (!extensions) {
    extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = bo;
    modeling.updateProperties(element, { extensionElements: extensions });
  }
  return extensions;
}

function ensureExtension(element, type, attrs, services) {
  const found = extension(element, type);
  if (found) {
    return found;
  }
  const extensions = ensureExtensions(element, services);
  const created = services.bpmnFactory.create(type, attrs);
  created.$parent = extensions;
  services.modeling.updateModdleProperties(element, extensions, {
    values: [...(extensions.get('values') || []), created],
  });
  return created;
}

export function getProperty(element, name) {
  const properties = extension(element, 'spiffworkflow:Properties');
  const found = properties && (properties.get('properties') || []).find((p) => p.name === name);
  return found ? found.value || '' : '';
}

export function setProperty(element, name, value, services) {
  const container = ensureExtension(element, 'spiffworkflow:Properties', { properties: [] }, services);
  const list = container.get('properties') || [];
  const found = list.find((p) => p.name === name);
  if (!value) {
    if (found) {
      services.modeling.updateModdleProperties(element, container, { properties: list.filter((p) => p !== found) });
    }
    return;
  }
  if (found) {
    services.modeling.updateModdleProperties(element, found, { value });
    return;
  }
  const created = services.bpmnFactory.create('spiffworkflow:Property', { name, value });
  created.$parent = container;
  services.modeling.updateModdleProperties(element, container, { properties: [...list, created] });
}

// Instructions are one text: the English, a line "--- 中文 ---", then the Chinese.
export function getInstructions(element) {
  const found = extension(element, 'spiffworkflow:InstructionsForEndUser');
  const text = (found && found.value) || '';
  const at = text.indexOf(ZH_MARKER);
  if (at < 0) {
    return { en: text, zh: '' };
  }
  return { en: text.slice(0, at).replace(/\n$/, ''), zh: text.slice(at + ZH_MARKER.length).replace(/^\n/, '') };
}

export function setInstructions(element, halves, services) {
  const value = halves.zh ? `${halves.en}\n${ZH_MARKER}\n${halves.zh}` : halves.en;
  const found = ensureExtension(element, 'spiffworkflow:InstructionsForEndUser', {}, services);
  services.modeling.updateModdleProperties(element, found, { value });
}

export function getOperator(element) {
  return extension(element, 'spiffworkflow:ServiceTaskOperator');
}

export function setHandler(element, name, services) {
  const operator = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', {}, services);
  services.modeling.updateModdleProperties(element, operator, { id: name });
}

export function setResultVariable(element, value, services) {
  const operator = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', {}, services);
  services.modeling.updateModdleProperties(element, operator, { resultVariable: value || undefined });
}

export function getParameter(element, name) {
  const operator = getOperator(element);
  const list = operator && operator.parameterList ? operator.parameterList.get('parameters') : [];
  const found = (list || []).find((p) => p.id === name);
  return found ? found.value || '' : '';
}

export function setParameter(element, name, value, services) {
  const operator = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', {}, services);
  let holder = operator.parameterList;
  if (!holder) {
    holder = services.bpmnFactory.create('spiffworkflow:Parameters', { parameters: [] });
    holder.$parent = operator;
    services.modeling.updateModdleProperties(element, operator, { parameterList: holder });
  }
  const list = holder.get('parameters') || [];
  const found = list.find((p) => p.id === name);
  if (found) {
    services.modeling.updateModdleProperties(element, found, { value });
    return;
  }
  const created = services.bpmnFactory.create('spiffworkflow:Parameter', { id: name, type: 'any', value });
  created.$parent = holder;
  services.modeling.updateModdleProperties(element, holder, { parameters: [...list, created] });
}

export function timerDefinition(element) {
  const definitions = element.businessObject.eventDefinitions || [];
  return definitions.find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

export const TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

export function getTimer(element) {
  const definition = timerDefinition(element);
  const kind = TIMER_KINDS.find((k) => definition && definition.get(k)) || 'timeDuration';
  const expression = definition && definition.get(kind);
  return { kind, value: (expression && expression.body) || '' };
}

export function setTimer(element, kind, value, services) {
  const definition = timerDefinition(element);
  const expression = services.bpmnFactory.create('bpmn:FormalExpression', { body: value });
  expression.$parent = definition;
  const update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
  update[kind] = expression;
  services.modeling.updateModdleProperties(element, definition, update);
}

export function getCondition(element) {
  const condition = element.businessObject.conditionExpression;
  return (condition && condition.body) || '';
}

export function setCondition(element, value, services) {
  if (!value) {
    services.modeling.updateProperties(element, { conditionExpression: undefined });
    return;
  }
  const expression = services.bpmnFactory.create('bpmn:FormalExpression', { body: value });
  services.modeling.updateProperties(element, { conditionExpression: expression });
}

export function laneOf(element, elementRegistry) {
  const bo = element.businessObject;
  const lane = elementRegistry
    .filter((e) => is(e, 'bpmn:Lane'))
    .find((l) => (l.businessObject.flowNodeRef || []).includes(bo));
  return lane ? lane.businessObject.name || lane.id : '';
}
