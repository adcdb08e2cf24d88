import { describe, expect, it } from 'vitest';
import { describeRule, emptyRuleForm, eventsQuery, formToInput, monitorOutcome, ruleToForm, type AlertRule } from './alerts';

const webhook = 'https://discord.com/api/webhooks/1/abc';

describe('formToInput', () => {
  it('builds the minimal high-risk body with hours turned into seconds and filter lines into an object', () => {
    const form = { ...emptyRuleForm(), name: ' high risk ', webhookUrl: webhook, threshold: '0.8', cooldownHours: '2', filter: 'Geography=France\n\n Age[gte] = 40 ' };
    const { body, errors } = formToInput(form, false);
    expect(errors).toEqual({});
    expect(body).toEqual({
      name: 'high risk',
      kind: 'high_risk',
      enabled: true,
      min_severity: 'info',
      webhook_url: webhook,
      cooldown_seconds: 7200,
      threshold: 0.8,
      customer_filter: { Geography: 'France', 'Age[gte]': '40' },
    });
  });

  it('sends only the chosen kind’s settings', () => {
    const { body } = formToInput({ ...emptyRuleForm(), name: 'jumps', kind: 'risk_increase', webhookUrl: webhook, minPoints: '', minRelativePercent: '50' }, false);
    expect(body.min_relative_percent).toBe(50);
    expect(body).not.toHaveProperty('min_points');
    expect(body).not.toHaveProperty('threshold');
  });

  it('names every bad field the way the API names it', () => {
    const { errors } = formToInput({ ...emptyRuleForm(), threshold: '1.5', cooldownHours: 'soon', filter: 'Geography' }, false);
    expect(errors.name).toMatch(/required/);
    expect(errors.webhook_url).toMatch(/webhook/);
    expect(errors.threshold).toMatch(/at most 1/);
    expect(errors.cooldown_seconds).toMatch(/'soon'/);
    expect(errors.customer_filter).toMatch(/line 1/);
  });

  it('keeps the stored webhook when the field is left empty on edit', () => {
    const { body, errors } = formToInput({ ...emptyRuleForm(), name: 'r' }, true);
    expect(errors).toEqual({});
    expect(body).not.toHaveProperty('webhook_url');
  });
});

describe('rules', () => {
  const rule = {
    id: 3,
    name: 'drift',
    kind: 'data_drift',
    enabled: false,
    webhook_url: 'https://discord.com/api/webhooks/1/****',
    customer_filter: { Geography: 'Spain' },
    cooldown_seconds: 5400,
    min_severity: 'warning',
    psi_threshold: 0.3,
    created_by: 'analyst',
    created_at: '2026-11-28T00:00:00Z',
    updated_at: '2026-11-28T00:00:00Z',
  } as AlertRule;

  it('round-trips a stored rule into the editor without its masked webhook', () => {
    const form = ruleToForm(rule);
    expect(form.webhookUrl).toBe('');
    expect(form.cooldownHours).toBe('1.5');
    expect(form.filter).toBe('Geography=Spain');
    expect(formToInput(form, true).body).toMatchObject({ psi_threshold: 0.3, cooldown_seconds: 5400, enabled: false });
  });

  it('describes each kind in a few words', () => {
    expect(describeRule({ kind: 'high_risk', threshold: 0.7 })).toBe('probability ≥ 70%');
    expect(describeRule({ kind: 'risk_increase', min_points: 10, min_relative_percent: 50 })).toBe('risk up +10 points or +50%');
    expect(describeRule(rule)).toBe('feature PSI above 0.3');
    expect(describeRule({ kind: 'job_failures', job_kinds: [] })).toBe('any job fails');
  });
});

describe('events and monitor results', () => {
  it('builds the event log query from the filters that are set', () => {
    expect(eventsQuery({ state: 'failed', ruleId: '4', customer: ' 15634602 ' }, 50)).toBe('limit=50&offset=50&state=failed&rule_id=4&customer_id=15634602');
    expect(eventsQuery({ state: 'all', ruleId: 'all', customer: '' }, 0)).toBe('limit=50&offset=0');
  });

  it('summarises a monitor job', () => {
    expect(monitorOutcome({ scoring: { scored: 1200 }, alerts_queued: 1, rules: [] })).toBe('1,200 customers scored, 1 alert queued');
    expect(monitorOutcome(null)).toBeNull();
  });
});
