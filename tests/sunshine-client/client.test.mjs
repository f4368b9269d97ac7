// Drives the official Sunshine Conversations JS client
// (sunshine-conversations-client 14.1.0, unchanged but for its basePath)
// against a running gatehouse. cmd/gatehouse/npmclient_test.go starts the
// server, makes two accounts with an account key each, and runs this file
// with:
//
//   GATEHOUSE_URL                  http://127.0.0.1:PORT (no trailing slash)
//   GATEHOUSE_ACCOUNT_KEY_ID       act_... of the first account
//   GATEHOUSE_ACCOUNT_KEY_SECRET   its secret
//   GATEHOUSE_OTHER_KEY_ID         optional: act_... of a second account
//   GATEHOUSE_OTHER_KEY_SECRET     its secret
//   GATEHOUSE_SECRETS_FILE         optional: every app key secret and JWT this
//                                  file sees is appended here, one a line, so
//                                  the harness can check none reached the logs
//
// Only the client's AppsApi and AppKeysApi are used, one ApiClient per
// credential (the client applies basicAuth then bearerAuth, so a client with
// both set would send the Bearer one). JWTs are signed by hand with
// node:crypto (HS256 over the secret's UTF-8 bytes, kid in the header), as
// Sunshine's documentation describes, so there is no JWT dependency.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const SC = require('sunshine-conversations-client');

function env(name, required = true) {
  const v = process.env[name];
  if (required && !v) {
    throw new Error(`${name} is not set: run this file through cmd/gatehouse/npmclient_test.go (go test -run TestOfficialSunshineClient ./cmd/gatehouse)`);
  }
  return v || '';
}

const BASE = env('GATEHOUSE_URL').replace(/\/+$/, '');
const ACCOUNT = { id: env('GATEHOUSE_ACCOUNT_KEY_ID'), secret: env('GATEHOUSE_ACCOUNT_KEY_SECRET') };
const OTHER = process.env.GATEHOUSE_OTHER_KEY_ID
  ? { id: env('GATEHOUSE_OTHER_KEY_ID'), secret: env('GATEHOUSE_OTHER_KEY_SECRET') }
  : null;
const SECRETS_FILE = env('GATEHOUSE_SECRETS_FILE', false);

const APP_ID_RE = /^[0-9a-f]{24}$/;
const APP_KEY_ID_RE = /^app_[0-9a-f]{24}$/;

// remember hands a secret to the harness's log check.
function remember(secret) {
  if (SECRETS_FILE && secret) appendFileSync(SECRETS_FILE, secret + '\n');
}

// basic returns the client's two APIs authenticated with Basic id:secret.
function basic(id, secret, basePath = BASE) {
  const c = new SC.ApiClient();
  c.basePath = basePath;
  c.authentications.basicAuth.username = id;
  c.authentications.basicAuth.password = secret;
  return { apps: new SC.AppsApi(c), keys: new SC.AppKeysApi(c) };
}

// bearer returns the client's two APIs authenticated with a JWT.
function bearer(token, basePath = BASE) {
  const c = new SC.ApiClient();
  c.basePath = basePath;
  c.authentications.bearerAuth.accessToken = token;
  return { apps: new SC.AppsApi(c), keys: new SC.AppKeysApi(c) };
}

const b64url = (s) => Buffer.from(s).toString('base64url');

// signJWT makes an HS256 JWT with kid in the header, signed with the
// secret's UTF-8 bytes.
function signJWT(kid, secret, payload) {
  const input = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })) + '.' + b64url(JSON.stringify(payload));
  const sig = createHmac('sha256', Buffer.from(secret, 'utf8')).update(input).digest('base64url');
  const token = input + '.' + sig;
  remember(token);
  return token;
}

// rejects awaits p and asserts that it rejected with HTTP status want, in
// Sunshine's {"errors":[{code,title}]} shape; it returns the error.
async function rejects(p, want, what) {
  let err;
  try {
    const data = await p;
    assert.fail(`${what}: resolved with ${JSON.stringify(data)}, want a rejection with status ${want}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.equal(err.status, want,
    `${what}: status ${err.status}, want ${want}; body ${JSON.stringify(err.body)}${err.status === undefined ? '; error ' + err.error : ''}`);
  assert.ok(Array.isArray(err.body?.errors) && err.body.errors.length > 0 && typeof err.body.errors[0].code === 'string',
    `${what}: body ${JSON.stringify(err.body)}, want {"errors":[{"code","title"}]}`);
  return err;
}

function appBody(displayName, metadata) {
  const b = new SC.AppCreateBody(displayName);
  if (metadata) b.metadata = metadata;
  return b;
}

function updateBody(fields) {
  return Object.assign(new SC.AppUpdateBody(), fields);
}

// assertEmptyObject checks a DELETE's answer: {}. Its returnType is Object,
// so the client hands back the body as text ("{}", here "{}\n" since Go's
// encoder ends with a newline) rather than parsing it.
function assertEmptyObject(data, what) {
  const v = typeof data === 'string' ? JSON.parse(data) : data;
  assert.deepEqual(v, {}, `${what} returned ${JSON.stringify(data)}, want {}`);
}

// noRedirects asserts superagent followed no redirect for this response.
function noRedirects(response, what) {
  assert.deepEqual(response.redirects ?? [], [], `${what}: the client followed redirects ${JSON.stringify(response.redirects)}`);
}

describe('official sunshine-conversations-client 14.1.0 against gatehouse', () => {
  const account = basic(ACCOUNT.id, ACCOUNT.secret);
  const apps = []; // the three apps made with the account key
  let key; // an app key of apps[0]

  before(() => {
    assert.match(ACCOUNT.id, /^act_[0-9a-f]{24}$/, 'GATEHOUSE_ACCOUNT_KEY_ID');
  });

  it('account key (Basic): createApp, listApps with pagination, getApp, updateApp', async () => {
    for (let i = 0; i < 3; i++) {
      const { data, response } = await account.apps.createAppWithHttpInfo(appBody(`npm client app ${i}`, { n: i, tag: 'created' }));
      assert.equal(response.status, 201, 'createApp status');
      assert.ok(data instanceof SC.AppResponse, 'createApp returns an AppResponse');
      assert.match(data.app.id, APP_ID_RE, 'createApp: app.id');
      assert.equal(data.app.displayName, `npm client app ${i}`);
      assert.deepEqual(data.app.metadata, { n: i, tag: 'created' });
      assert.ok(data.app.settings instanceof SC.AppSettings, 'createApp: app.settings');
      assert.equal(typeof data.app.settings.maskCreditCardNumbers, 'boolean');
      apps.push(data.app);
    }
    assert.equal(new Set(apps.map((a) => a.id)).size, 3, 'three distinct app ids');

    // First page of two; the client sends only page[size].
    const first = await account.apps.listApps({ page: { size: 2 } });
    assert.ok(first instanceof SC.AppListResponse);
    assert.equal(first.apps.length, 2, `listApps page[size]=2: ${JSON.stringify(first)}`);
    assert.equal(first.meta.hasMore, true, 'listApps first page: meta.hasMore');
    assert.ok(first.meta.afterCursor, 'listApps first page: meta.afterCursor');
    const seen = first.apps.map((a) => a.id);
    // Then follow afterCursor (the client sends only page[after]).
    let cursor = first.meta.afterCursor;
    for (let pages = 0; cursor; pages++) {
      assert.ok(pages < 5, 'listApps: more pages than apps');
      const next = await account.apps.listApps({ page: { after: cursor } });
      assert.ok(next.apps.length > 0, `listApps page[after]: empty page ${JSON.stringify(next)}`);
      seen.push(...next.apps.map((a) => a.id));
      cursor = next.meta.hasMore ? next.meta.afterCursor : undefined;
      if (next.meta.hasMore) assert.ok(next.meta.afterCursor, 'hasMore without afterCursor');
    }
    assert.equal(new Set(seen).size, seen.length, `listApps pages repeat an app: ${seen}`);
    assert.deepEqual([...seen].sort(), apps.map((a) => a.id).sort(), 'listApps pages hold exactly the created apps');

    const got = await account.apps.getApp(apps[0].id);
    assert.equal(got.app.id, apps[0].id);
    assert.equal(got.app.displayName, 'npm client app 0');
    assert.deepEqual(got.app.metadata, { n: 0, tag: 'created' });

    const upd = await account.apps.updateApp(apps[0].id, updateBody({ displayName: 'renamed by npm client', metadata: { tag: 'updated', extra: true } }));
    assert.equal(upd.app.id, apps[0].id);
    assert.equal(upd.app.displayName, 'renamed by npm client');
    assert.equal(upd.app.metadata.tag, 'updated');
    assert.equal(upd.app.metadata.extra, true);
    const again = await account.apps.getApp(apps[0].id);
    assert.equal(again.app.displayName, 'renamed by npm client', 'getApp after updateApp');
    assert.equal(again.app.metadata.tag, 'updated');
    assert.equal(again.app.metadata.extra, true);
  });

  it('account key: createAppKey, listAppKeys, getAppKey return the secret', async () => {
    const { data, response } = await account.keys.createAppKeyWithHttpInfo(apps[0].id, new SC.AppKeyCreateBody('npm client key'));
    assert.equal(response.status, 201, 'createAppKey status');
    assert.ok(data instanceof SC.AppKeyResponse);
    assert.match(data.key.id, APP_KEY_ID_RE, 'createAppKey: key.id');
    assert.equal(data.key.displayName, 'npm client key');
    assert.equal(typeof data.key.secret, 'string');
    assert.ok(data.key.secret.length >= 20, 'createAppKey: key.secret');
    key = data.key;
    remember(key.secret);

    const list = await account.keys.listAppKeys(apps[0].id);
    assert.ok(list instanceof SC.AppKeyListResponse);
    const listed = list.keys.find((k) => k.id === key.id);
    assert.ok(listed, `listAppKeys does not list ${key.id}: ${JSON.stringify(list.keys.map((k) => k.id))}`);
    assert.equal(listed.secret, key.secret, 'listAppKeys: secret');
    assert.equal(listed.displayName, 'npm client key');

    const one = await account.keys.getAppKey(apps[0].id, key.id);
    assert.equal(one.key.id, key.id);
    assert.equal(one.key.secret, key.secret, 'getAppKey: secret');
    assert.equal(one.key.displayName, 'npm client key');
  });

  it('app key (Basic): its own app only, and no account operations', async () => {
    const ak = basic(key.id, key.secret);
    const got = await ak.apps.getApp(apps[0].id);
    assert.equal(got.app.id, apps[0].id);
    assert.equal(got.app.displayName, 'renamed by npm client');
    const upd = await ak.apps.updateApp(apps[0].id, updateBody({ displayName: 'renamed by app key' }));
    assert.equal(upd.app.displayName, 'renamed by app key');

    await rejects(ak.apps.listApps(), 403, 'app key: listApps');
    await rejects(ak.apps.createApp(appBody('made by an app key')), 403, 'app key: createApp');
    await rejects(ak.apps.deleteApp(apps[0].id), 403, 'app key: deleteApp of its own app');
    await rejects(ak.keys.listAppKeys(apps[0].id), 403, 'app key: listAppKeys of its own app');
    await rejects(ak.apps.getApp(apps[1].id), 403, 'app key: getApp of another app of the same account');
    // The app survived the refused delete.
    assert.equal((await account.apps.getApp(apps[0].id)).app.displayName, 'renamed by app key');
  });

  it('JWT: app scope on its own app, account scope lists apps', async () => {
    const appJWT = bearer(signJWT(key.id, key.secret, { scope: 'app' }));
    const got = await appJWT.apps.getApp(apps[0].id);
    assert.equal(got.app.id, apps[0].id);
    const upd = await appJWT.apps.updateApp(apps[0].id, updateBody({ displayName: 'renamed by app JWT' }));
    assert.equal(upd.app.displayName, 'renamed by app JWT');
    await rejects(appJWT.apps.getApp(apps[1].id), 403, 'app JWT: getApp of another app');
    await rejects(appJWT.apps.listApps(), 403, 'app JWT: listApps');

    const acctJWT = bearer(signJWT(ACCOUNT.id, ACCOUNT.secret, { scope: 'account' }));
    const list = await acctJWT.apps.listApps();
    const ids = list.apps.map((a) => a.id);
    for (const a of apps) assert.ok(ids.includes(a.id), `account JWT: listApps lacks ${a.id}`);
    const one = await acctJWT.apps.getApp(apps[0].id);
    assert.equal(one.app.displayName, 'renamed by app JWT');
  });

  it('bad credentials: wrong secret and scope mismatch are 401', async () => {
    const wrong = key.secret.slice(0, -1) + (key.secret.endsWith('A') ? 'B' : 'A');
    await rejects(basic(key.id, wrong).apps.getApp(apps[0].id), 401, 'app key with a wrong secret: getApp');
    await rejects(basic(ACCOUNT.id, ACCOUNT.secret + 'x').apps.listApps(), 401, 'account key with a wrong secret: listApps');
    await rejects(bearer(signJWT(key.id, wrong, { scope: 'app' })).apps.getApp(apps[0].id), 401, 'app JWT signed with a wrong secret');
    await rejects(bearer(signJWT(key.id, key.secret, { scope: 'account' })).apps.getApp(apps[0].id), 401, 'app key JWT with scope account');
    await rejects(bearer(signJWT(ACCOUNT.id, ACCOUNT.secret, { scope: 'app' })).apps.listApps(), 401, 'account key JWT with scope app');
    const err = await rejects(bearer(signJWT(key.id, key.secret, {})).apps.getApp(apps[0].id), 401, 'app JWT without scope');
    assert.equal(err.body.errors[0].code, 'unauthorized');
  });

  it('another account cannot see this account\'s apps (404)', { skip: OTHER ? false : 'GATEHOUSE_OTHER_KEY_ID not set' }, async () => {
    const other = basic(OTHER.id, OTHER.secret);
    for (const [what, call] of [
      ['getApp', () => other.apps.getApp(apps[0].id)],
      ['updateApp', () => other.apps.updateApp(apps[0].id, updateBody({ displayName: 'hijacked' }))],
      ['deleteApp', () => other.apps.deleteApp(apps[0].id)],
      ['listAppKeys', () => other.keys.listAppKeys(apps[0].id)],
      ['createAppKey', () => other.keys.createAppKey(apps[0].id, new SC.AppKeyCreateBody('hijack'))],
      ['getAppKey', () => other.keys.getAppKey(apps[0].id, key.id)],
    ]) {
      await rejects(call(), 404, `other account: ${what} of this account's app`);
    }
    const theirs = await other.apps.createApp(appBody('other account app'));
    const list = await other.apps.listApps();
    assert.deepEqual(list.apps.map((a) => a.id), [theirs.app.id], 'other account: listApps shows only its own app');
    // And from this side: the account key gets 404, its app key 403.
    await rejects(account.apps.getApp(theirs.app.id), 404, 'account key: getApp of another account\'s app');
    await rejects(basic(key.id, key.secret).apps.getApp(theirs.app.id), 403, 'app key: getApp of another account\'s app');
    assert.equal((await account.apps.getApp(apps[0].id)).app.displayName, 'renamed by app JWT', 'the refused updateApp changed nothing');
  });

  it('deleteAppKey: the key\'s Basic and JWT credentials get 401 at once', async () => {
    const { key: k } = await account.keys.createAppKey(apps[1].id, new SC.AppKeyCreateBody('to be deleted'));
    remember(k.secret);
    const viaBasic = basic(k.id, k.secret);
    const viaJWT = bearer(signJWT(k.id, k.secret, { scope: 'app' }));
    // Warm whatever the server caches.
    for (let i = 0; i < 2; i++) {
      assert.equal((await viaBasic.apps.getApp(apps[1].id)).app.id, apps[1].id);
      assert.equal((await viaJWT.apps.getApp(apps[1].id)).app.id, apps[1].id);
    }
    const deleted = await account.keys.deleteAppKey(apps[1].id, k.id);
    assertEmptyObject(deleted, 'deleteAppKey');
    await rejects(viaBasic.apps.getApp(apps[1].id), 401, 'deleted key, Basic: getApp');
    await rejects(viaJWT.apps.getApp(apps[1].id), 401, 'deleted key, JWT: getApp');
    await rejects(viaBasic.apps.updateApp(apps[1].id, updateBody({ displayName: 'x' })), 401, 'deleted key, Basic: updateApp');
    await rejects(account.keys.getAppKey(apps[1].id, k.id), 404, 'getAppKey of a deleted key');
    const list = await account.keys.listAppKeys(apps[1].id);
    assert.ok(!list.keys.some((x) => x.id === k.id), 'listAppKeys still lists the deleted key');
  });

  it('deleteApp: its keys get 401 at once, and the app is gone', async () => {
    const { key: k } = await account.keys.createAppKey(apps[2].id, new SC.AppKeyCreateBody('dies with its app'));
    remember(k.secret);
    const viaBasic = basic(k.id, k.secret);
    const viaJWT = bearer(signJWT(k.id, k.secret, { scope: 'app' }));
    for (let i = 0; i < 2; i++) {
      assert.equal((await viaBasic.apps.getApp(apps[2].id)).app.id, apps[2].id);
      assert.equal((await viaJWT.apps.getApp(apps[2].id)).app.id, apps[2].id);
    }
    const { data, response } = await account.apps.deleteAppWithHttpInfo(apps[2].id);
    assert.equal(response.status, 200, 'deleteApp status');
    assertEmptyObject(data, 'deleteApp');
    await rejects(viaBasic.apps.getApp(apps[2].id), 401, 'key of a deleted app, Basic: getApp');
    await rejects(viaJWT.apps.getApp(apps[2].id), 401, 'key of a deleted app, JWT: getApp');
    await rejects(account.apps.getApp(apps[2].id), 404, 'getApp of a deleted app');
    const list = await account.apps.listApps();
    assert.ok(!list.apps.some((a) => a.id === apps[2].id), 'listApps still lists the deleted app');
  });

  it('basePath with a trailing slash (//v2/...) is served, not redirected', async () => {
    const slashed = basic(ACCOUNT.id, ACCOUNT.secret, BASE + '/');
    const created = await slashed.apps.createAppWithHttpInfo(appBody('made through //v2', { via: 'slash' }));
    noRedirects(created.response, 'createApp via //v2/apps');
    assert.equal(created.response.status, 201, 'createApp via //v2/apps: status');
    assert.match(created.data.app.id, APP_ID_RE, 'createApp via //v2/apps: app.id');
    assert.equal(created.data.app.displayName, 'made through //v2');
    const id = created.data.app.id;

    // A redirect would turn this PATCH into a GET that answers 200 with the
    // old name, so check the answer and the stored app.
    const updated = await slashed.apps.updateAppWithHttpInfo(id, updateBody({ displayName: 'patched through //v2' }));
    noRedirects(updated.response, 'updateApp via //v2/apps/{id}');
    assert.equal(updated.response.status, 200, 'updateApp via //v2/apps/{id}: status');
    assert.equal(updated.data.app.displayName, 'patched through //v2');
    assert.equal((await account.apps.getApp(id)).app.displayName, 'patched through //v2', 'getApp after the //v2 PATCH');

    const got = await slashed.apps.getAppWithHttpInfo(id);
    noRedirects(got.response, 'getApp via //v2/apps/{id}');
    assert.equal(got.data.app.metadata.via, 'slash');

    const k = await slashed.keys.createAppKeyWithHttpInfo(id, new SC.AppKeyCreateBody('slash key'));
    noRedirects(k.response, 'createAppKey via //v2');
    remember(k.data.key.secret);
    assert.match(k.data.key.id, APP_KEY_ID_RE);

    const del = await slashed.apps.deleteAppWithHttpInfo(id);
    noRedirects(del.response, 'deleteApp via //v2');
    await rejects(account.apps.getApp(id), 404, 'getApp after the //v2 DELETE');
  });
});
