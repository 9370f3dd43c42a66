// bpmnlint in the editor: the rules that matter for our engine, resolved from the installed bpmnlint package
// (no config loader needed: the rules are imported here and handed to bpmnlint's static resolver).
import Linter from 'bpmnlint/lib/linter';
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';

import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';

const RULES = {
  'conditional-flows': [conditionalFlows, 'error'],
  'end-event-required': [endEventRequired, 'error'],
  'start-event-required': [startEventRequired, 'error'],
  'no-complex-gateway': [noComplexGateway, 'error'],
  'link-event': [linkEvent, 'error'],
  'no-disconnected': [noDisconnected, 'warn'],
  'no-duplicate-sequence-flows': [noDuplicateSequenceFlows, 'warn'],
  'no-implicit-split': [noImplicitSplit, 'warn'],
  'fake-join': [fakeJoin, 'warn'],
  'label-required': [labelRequired, 'warn'],
  'single-blank-start-event': [singleBlankStartEvent, 'warn'],
  'superfluous-gateway': [superfluousGateway, 'warn'],
};

const cache = {};
const config = { rules: {} };
for (const [name, [rule, level]] of Object.entries(RULES)) {
  cache[`rule:bpmnlint/${name}`] = rule;
  config.rules[name] = level;
}

const linter = new Linter({ config, resolver: new StaticResolver(cache) });

// [{ rule, id, message, category }] for the diagram's definitions.
export async function lint(definitions) {
  const results = await linter.lint(definitions);
  const reports = [];
  for (const [rule, list] of Object.entries(results)) {
    for (const report of list) {
      reports.push({ rule, id: report.id, message: report.message, category: report.category });
    }
  }
  return reports;
}
