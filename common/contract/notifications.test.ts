import { describe, expect, it } from 'vitest';
import { mqttUrlProblem, NotificationSettingsInput, webhookUrlProblem } from './notifications.js';

describe('notification settings input', () => {
  it('accepts broker URLs with a host and port only', () => {
    expect(mqttUrlProblem('mqtt://broker.lan:1883')).toBeNull();
    expect(mqttUrlProblem('mqtts://10.0.0.2')).toBeNull();
    expect(mqttUrlProblem('ws://broker')).toMatch(/must start with mqtt:\/\/ or mqtts:\/\//);
    expect(mqttUrlProblem('mqtt://user:pw@broker')).toMatch(/user name or password/);
    expect(mqttUrlProblem('mqtt://broker/topic')).toMatch(/only a host and port/);
    expect(mqttUrlProblem('mqtt://broker -x')).toMatch(/spaces/);
    expect(mqttUrlProblem('not a url')).toMatch(/spaces|not a valid URL/);
  });

  it('accepts http(s) webhooks without user info', () => {
    expect(webhookUrlProblem('https://ha.lan/api/webhook/abc?x=1')).toBeNull();
    expect(webhookUrlProblem('file:///etc/passwd')).toMatch(/http:\/\/ or https:\/\//);
    expect(webhookUrlProblem('javascript:alert(1)')).toMatch(/http:\/\/ or https:\/\//);
    expect(webhookUrlProblem('http://a:b@host/')).toMatch(/user name or password/);
    expect(webhookUrlProblem(`https://h/${'a'.repeat(2100)}`)).toMatch(/at most 2048/);
  });

  it('rejects unknown keys, bad prefixes, short secrets and too many webhooks', () => {
    expect(NotificationSettingsInput.safeParse({ mqtt: { topicPrefix: 'home/nvr_1' } }).success).toBe(true);
    expect(NotificationSettingsInput.safeParse({ mqtt: { topicPrefix: 'a/#' } }).success).toBe(false);
    expect(NotificationSettingsInput.safeParse({ mqtt: { topicPrefix: '/a' } }).success).toBe(false);
    expect(NotificationSettingsInput.safeParse({ mqtt: { hasPassword: true } }).success).toBe(false);
    expect(NotificationSettingsInput.safeParse({ __proto__: { x: 1 }, extra: 1 }).success).toBe(false);
    expect(
      NotificationSettingsInput.safeParse({ webhooks: [{ url: 'https://h/', secret: 'short' }] }).success,
    ).toBe(false);
    const hooks = Array.from({ length: 17 }, () => ({ url: 'https://h/' }));
    expect(NotificationSettingsInput.safeParse({ webhooks: hooks }).success).toBe(false);
    const parsed = NotificationSettingsInput.parse({ webhooks: [{ url: ' https://h/x ' }] });
    expect(parsed.webhooks?.[0]).toEqual({ url: 'https://h/x', enabled: true, labels: [], cameraIds: [] });
  });
});
