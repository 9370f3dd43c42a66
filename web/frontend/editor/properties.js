// A properties-panel group "What the engine reads": the lane, the form (a picker over the draft's forms) and
// its variant, assignTo, joining the task force, the service handler (a picker over the handler registry) with its parameters, the timer, the
// condition, the script, and the instructions in both languages.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import * as model from './model';

const HUMAN = ['bpmn:UserTask', 'bpmn:ManualTask'];

function services() {
  return {
    modeling: useService('modeling'),
    bpmnFactory: useService('bpmnFactory'),
  };
}

export default function StudioPropertiesProvider(propertiesPanel, studioSettings) {
  const { texts: T, forms, handlers } = studioSettings;
  this.getGroups = (element) => (groups) => {
    const entries = entriesFor(element, T, forms, handlers);
    if (entries.length) {
      groups.splice(1, 0, { id: 'studio-engine', label: T.engine, entries });
    }
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}

StudioPropertiesProvider.$inject = ['propertiesPanel', 'studioSettings'];

function entriesFor(element, T, forms, handlers) {
  const entries = [];
  const add = (id, component, isEdited = isTextFieldEntryEdited) => entries.push({ id, element, component, isEdited });
  if (isAny(element, HUMAN)) {
    add('studio-lane', (props) => LaneEntry(props, T), () => false);
    add('studio-form', (props) => FormEntry(props, T, forms), isSelectEntryEdited);
    add('studio-form-variant', (props) => ChoiceEntry(props, T.form_variant, 'formVariant', [
      { value: '', label: T.form_for_all },
      { value: 'tier', label: T.form_by_tier },
    ]), isSelectEntryEdited);
    add('studio-assign', (props) => ChoiceEntry(props, T.assign_to, 'assignTo', [
      { value: '', label: T.lane_queue },
      { value: 'owner', label: T.case_owner },
      { value: 'task_force', label: T.task_force_member },
    ]), isSelectEntryEdited);
    add('studio-task-force', (props) => ChoiceEntry(props, T.task_force, 'taskForce', [
      { value: '', label: T.task_force_no },
      { value: 'join', label: T.task_force_join },
    ]), isSelectEntryEdited);
    add('studio-instructions-en', (props) => InstructionsEntry(props, T, 'en'), isTextAreaEntryEdited);
    add('studio-instructions-zh', (props) => InstructionsEntry(props, T, 'zh'), isTextAreaEntryEdited);
  }
  if (is(element, 'bpmn:ServiceTask')) {
    add('studio-handler', (props) => HandlerEntry(props, T, handlers), isSelectEntryEdited);
    add('studio-result', (props) => ResultEntry(props, T));
    const chosen = handlers.find((x) => x.name === ((model.getOperator(element) || {}).id || ''));
    for (const parameter of (chosen && chosen.parameters) || []) {
      add(`studio-parameter-${parameter.name}`, (props) => ParameterEntry(props, T, parameter.name));
    }
  }
  if (model.timerDefinition(element)) {
    add('studio-timer-kind', (props) => TimerKindEntry(props, T), isSelectEntryEdited);
    add('studio-timer-value', (props) => TimerValueEntry(props, T));
  }
  if (is(element, 'bpmn:SequenceFlow') && element.source && isAny(element.source, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'])) {
    add('studio-condition', (props) => ConditionEntry(props, T), isTextAreaEntryEdited);
  }
  if (is(element, 'bpmn:ScriptTask')) {
    add('studio-script', (props) => ScriptEntry(props, T), isTextAreaEntryEdited);
  }
  return entries;
}

function LaneEntry({ element, id }, T) {
  const elementRegistry = useService('elementRegistry');
  return h(TextFieldEntry, {
    element,
    id,
    label: T.lane,
    description: T.lane_hint,
    disabled: true,
    getValue: () => model.laneOf(element, elementRegistry),
    setValue: () => {},
    debounce: (fn) => fn,
  });
}

function FormEntry({ element, id }, T, forms) {
  const s = services();
  return h(SelectEntry, {
    element,
    id,
    label: T.form,
    getValue: () => model.getProperty(element, 'formJsonSchemaFilename'),
    setValue: (value) => model.setProperty(element, 'formJsonSchemaFilename', value, s),
    getOptions: () => [{ value: '', label: T.no_form }, ...forms.map((name) => ({ value: name, label: name }))],
  });
}

// A property of the task chosen from a fixed list (the engine reads nothing else); '' removes it.
function ChoiceEntry({ element, id }, label, name, options) {
  const s = services();
  return h(SelectEntry, {
    element,
    id,
    label,
    getValue: () => model.getProperty(element, name),
    setValue: (value) => model.setProperty(element, name, value, s),
    getOptions: () => options,
  });
}

function InstructionsEntry({ element, id }, T, half) {
  const s = services();
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element,
    id,
    label: half === 'en' ? T.instructions_en : T.instructions_zh,
    rows: 6,
    debounce,
    getValue: () => model.getInstructions(element)[half],
    setValue: (value) => model.setInstructions(element, { ...model.getInstructions(element), [half]: value || '' }, s),
  });
}

function HandlerEntry({ element, id }, T, handlers) {
  const s = services();
  return h(SelectEntry, {
    element,
    id,
    label: T.handler,
    getValue: () => (model.getOperator(element) || {}).id || '',
    setValue: (value) => model.setHandler(element, value, s),
    getOptions: () => [
      { value: '', label: T.no_handler },
      ...handlers.map((x) => ({ value: x.name, label: x.description ? `${x.name} — ${x.description}` : x.name })),
    ],
  });
}

function ResultEntry({ element, id }, T) {
  const s = services();
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element,
    id,
    label: T.result_variable,
    debounce,
    getValue: () => (model.getOperator(element) || {}).resultVariable || '',
    setValue: (value) => model.setResultVariable(element, value, s),
  });
}

function ParameterEntry({ element, id }, T, name) {
  const s = services();
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element,
    id,
    label: T.parameter.replace('%(name)s', name),
    debounce,
    getValue: () => model.getParameter(element, name),
    setValue: (value) => model.setParameter(element, name, value || '', s),
  });
}

function TimerKindEntry({ element, id }, T) {
  const s = services();
  return h(SelectEntry, {
    element,
    id,
    label: T.timer_type,
    getValue: () => model.getTimer(element).kind,
    setValue: (kind) => model.setTimer(element, kind, model.getTimer(element).value, s),
    getOptions: () => [
      { value: 'timeDuration', label: T.timer_duration },
      { value: 'timeDate', label: T.timer_date },
      { value: 'timeCycle', label: T.timer_cycle },
    ],
  });
}

function TimerValueEntry({ element, id }, T) {
  const s = services();
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element,
    id,
    label: T.timer_value,
    debounce,
    getValue: () => model.getTimer(element).value,
    setValue: (value) => model.setTimer(element, model.getTimer(element).kind, value || '', s),
  });
}

function ConditionEntry({ element, id }, T) {
  const s = services();
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element,
    id,
    label: T.condition,
    rows: 2,
    debounce,
    getValue: () => model.getCondition(element),
    setValue: (value) => model.setCondition(element, value || '', s),
  });
}

function ScriptEntry({ element, id }, T) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element,
    id,
    label: T.script,
    rows: 8,
    debounce,
    getValue: () => element.businessObject.script || '',
    setValue: (value) => modeling.updateProperties(element, { script: value || '', scriptFormat: 'python' }),
  });
}
