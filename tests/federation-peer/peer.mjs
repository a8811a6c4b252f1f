// A real ActivityPub peer built on Fedify, for Masthead's federation tests.
//
// It runs one Fedify `Federation` with one actor on a loopback port, plus a
// small JSON control API under /control/ that a test drives.  See README.md.
//
//   node peer.mjs --port 0 [--username reader] [--auto-accept]
//                 [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                 [--host 127.0.0.1] [--log warning] [--exit-with-stdin]
//
// When ready it prints exactly one JSON line to stdout; logs go to stderr.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { inspect, parseArgs } from "node:util";

import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
  signRequest,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Article,
  Create,
  Delete,
  Endpoints,
  Follow,
  getTypeId,
  isActor,
  Like,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Person,
  Reject,
  Tombstone,
  Undo,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { configure, withFilter } from "@logtape/logtape";

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    username: { type: "string", default: "reader" },
    name: { type: "string" },
    "auto-accept": { type: "boolean", default: false },
    "first-knock": { type: "string", default: "rfc9421" },
    log: { type: "string", default: "warning" },
    "exit-with-stdin": { type: "boolean", default: false },
  },
  strict: true,
});

const PORT = Number.parseInt(opts.port, 10);
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`peer: bad --port ${JSON.stringify(opts.port)}`);
  process.exit(2);
}
const USERNAME = opts.username;
if (!/^[A-Za-z0-9_.-]+$/.test(USERNAME)) {
  console.error(`peer: bad --username ${JSON.stringify(USERNAME)}`);
  process.exit(2);
}
const FIRST_KNOCK = opts["first-knock"] === "draft-cavage" ||
    opts["first-knock"] === "cavage"
  ? "draft-cavage-http-signatures-12"
  : opts["first-knock"];
if (FIRST_KNOCK !== "rfc9421" && FIRST_KNOCK !== "draft-cavage-http-signatures-12") {
  console.error(`peer: bad --first-knock ${JSON.stringify(opts["first-knock"])}`);
  process.exit(2);
}
const AUTO_ACCEPT = opts["auto-accept"];

// ---------------------------------------------------------------------------
// Per-request bookkeeping.
//
// Every HTTP request the peer serves runs inside `als.run(store, …)`.  What
// Fedify reports about that request (through the tracer provider and the
// log sink below) and every outgoing fetch made while serving it land in
// that store, so the inbox listener can tell which signature Fedify
// accepted and a control call can tell how its deliveries went.

const als = new AsyncLocalStorage();

function newStore() {
  return { spans: [], events: [], logs: [], outgoing: [], raw: null };
}

// A minimal OpenTelemetry TracerProvider: Fedify takes one through
// `FederationOptions.tracerProvider`, and reports there (as span attributes
// and events) which signatures it verified.  Nothing is exported anywhere.
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";
function makeSpan(name, options) {
  const record = {
    name,
    attributes: { ...(options?.attributes ?? {}) },
    events: [],
    status: null,
  };
  const store = als.getStore();
  if (store != null) store.spans.push(record);
  const span = {
    spanContext: () => ({ traceId: ZERO_TRACE, spanId: ZERO_SPAN, traceFlags: 0 }),
    setAttribute(key, value) {
      record.attributes[key] = value;
      return span;
    },
    setAttributes(attributes) {
      Object.assign(record.attributes, attributes);
      return span;
    },
    addEvent(eventName, attributes) {
      const event = { name: eventName, span: record.name, attributes: { ...(attributes ?? {}) } };
      record.events.push(event);
      als.getStore()?.events.push(event);
      return span;
    },
    addLink: () => span,
    addLinks: () => span,
    setStatus(status) {
      record.status = status;
      return span;
    },
    updateName(newName) {
      record.name = newName;
      return span;
    },
    end() {},
    isRecording: () => true,
    recordException(exception) {
      record.events.push({ name: "exception", attributes: { message: String(exception) } });
    },
  };
  return span;
}
const tracer = {
  startSpan: (name, options) => makeSpan(name, options),
  startActiveSpan(name, ...args) {
    const fn = args[args.length - 1];
    const options = args.length > 1 ? args[0] : undefined;
    return fn(makeSpan(name, options));
  },
};
const tracerProvider = { getTracer: () => tracer };

// Logs: Fedify logs through LogTape.  They go to stderr, and each record is
// also kept with the request being served, so a refused inbox delivery
// carries Fedify's own reason.
function renderMessage(record) {
  return record.message
    .map((part) => (typeof part === "string" ? part : inspect(part, { depth: 4, breakLength: Infinity })))
    .join("");
}
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: {
    stderr: withFilter((record) => {
      process.stderr.write(
        `${new Date(record.timestamp).toISOString()} [${record.level}] ${record.category.join(".")}: ${renderMessage(record)}\n`,
      );
    }, opts.log),
    request(record) {
      const store = als.getStore();
      if (store != null && store.logs.length < 200) {
        const facts = {};
        for (const [k, v] of Object.entries(record.properties ?? {})) {
          if (k === "traceId" || k === "spanId") continue;
          if (["string", "number", "boolean"].includes(typeof v)) facts[k] = v;
          else if (v instanceof URL) facts[k] = v.href;
        }
        store.logs.push({
          level: record.level,
          category: record.category.join("."),
          message: renderMessage(record).slice(0, 600),
          ...facts,
        });
      }
    },
  },
  loggers: [
    { category: "fedify", sinks: ["stderr", "request"], lowestLevel: "debug" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------
// fetch: loopback WebFinger over plain http, and a record of what was sent.
//
// Fedify (RFC 7033) always queries WebFinger for an `acct:` resource at
// https://HOST/.well-known/webfinger.  A loopback test server speaks plain
// http, so for loopback hosts only, and for that path only, the query is
// made over http instead.  Every other request goes out untouched.  Every
// outgoing request is also noted (method, URL, which HTTP signature it
// carried, response status) with the request being served.

const realFetch = globalThis.fetch;
function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}
function signatureSchemeOf(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage";
  return null;
}
globalThis.fetch = async function peerFetch(input, init) {
  let request = new Request(input, init);
  const url = new URL(request.url);
  if (
    url.protocol === "https:" && isLoopbackHost(url.hostname) &&
    url.pathname === "/.well-known/webfinger" && request.method === "GET"
  ) {
    url.protocol = "http:";
    request = new Request(url, request);
  }
  const note = {
    method: request.method,
    url: request.url,
    signature: signatureSchemeOf(request.headers),
    status: null,
  };
  als.getStore()?.outgoing.push(note);
  try {
    const response = await realFetch(request);
    note.status = response.status;
    return response;
  } catch (error) {
    note.error = String(error?.cause ?? error);
    throw error;
  }
};

// ---------------------------------------------------------------------------
// State

const received = []; // verified inbox activities, in order
const rejected = []; // inbox deliveries Fedify refused
const sent = []; // activities this peer sent, with their deliveries
const objects = new Map(); // id -> vocab object this peer serves (notes, activities)
const followers = new Map(); // actor id -> { id, inboxId, sharedInbox, follow }
const following = new Map(); // actor id -> { actor, follow_id, accepted, rejected }
const pendingFollows = new Map(); // follow id -> follow json (when not auto-accepting)
let seq = 0;

// ---------------------------------------------------------------------------
// Server and federation

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(PORT, opts.host, resolve);
});
const boundPort = server.address().port;
const hostForUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
const BASE = `http://${hostForUrl}:${boundPort}`;

const federation = createFederation({
  kv: new MemoryKvStore(),
  // Identities are http://127.0.0.1:PORT: pin them, whatever Host a client sends.
  origin: BASE,
  // Loopback peers are private addresses; Fedify refuses to fetch them unless told.
  allowPrivateAddress: true,
  firstKnock: FIRST_KNOCK,
  tracerProvider,
  userAgent: { software: "masthead-federation-peer" },
});

const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: opts.name ?? `Test ${identifier}`,
      summary: "A Fedify peer run by Masthead's federation tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: !AUTO_ACCEPT,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === USERNAME ? USERNAME : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === USERNAME ? keyPairs : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    return {
      items: [...followers.values()].map((f) => ({
        id: new URL(f.id),
        inboxId: f.inboxId == null ? null : new URL(f.inboxId),
        endpoints: f.sharedInbox == null ? null : { sharedInbox: new URL(f.sharedInbox) },
      })),
    };
  })
  .setCounter((_ctx, identifier) => (identifier === USERNAME ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    return { items: [...following.values()].filter((f) => f.accepted).map((f) => new URL(f.actor)) };
  })
  .setCounter((_ctx, identifier) => (identifier === USERNAME ? [...following.values()].filter((f) => f.accepted).length : null));

federation
  .setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const items = sent.map((s) => objects.get(s.id)).filter((a) => a != null).reverse();
    return { items };
  })
  .setCounter((_ctx, identifier) => (identifier === USERNAME ? sent.length : null));

// Everything this peer sends has an id it serves, so a server may dereference it.
const SERVED = [
  [Note, "/notes/{id}"],
  [Article, "/articles/{id}"],
  [Follow, "/activities/follow/{id}"],
  [Undo, "/activities/undo/{id}"],
  [Create, "/activities/create/{id}"],
  [Like, "/activities/like/{id}"],
  [Announce, "/activities/announce/{id}"],
  [Delete, "/activities/delete/{id}"],
  [Accept, "/activities/accept/{id}"],
];
for (const [cls, path] of SERVED) {
  federation.setObjectDispatcher(cls, path, (ctx, values) => {
    const id = ctx.getObjectUri(cls, values).href;
    const object = objects.get(id);
    return object instanceof cls ? object : null;
  });
}

function newId(cls) {
  const path = SERVED.find(([c]) => c === cls)[1].replace("{id}", randomUUID());
  return new URL(path, BASE);
}

function keep(object) {
  objects.set(object.id.href, object);
  return object;
}

// What Fedify said about the inbox request being served: which signature
// it verified.  Fedify checks, in this order, a Linked Data Signature in the
// body, an Object Integrity Proof (FEP-8b32) in the body, then the HTTP
// signature (RFC 9421 when a Signature-Input header is present, else
// draft-cavage-http-signatures-12); the first that verifies admits it.
function verificationOf(store, headers) {
  const event = [...store.events].reverse().find((e) => e.name === "activitypub.activity.received");
  const a = event?.attributes ?? {};
  const httpSpan = [...store.spans].reverse().find((s) => s.name === "http_signatures.verify");
  const httpScheme = headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "draft-cavage" : null;
  const ld = a["ld_signatures.verified"] === true;
  const httpSig = a["http_signatures.verified"] === true;
  const verified = a["activitypub.activity.verified"] === true;
  let signature = null;
  if (ld) signature = "ld";
  else if (httpSig) signature = httpScheme;
  else if (verified) signature = "proof";
  return {
    verified,
    signature,
    details: {
      ld_signature: { present: store.raw?.signature != null, checked: store.raw?.signature != null, verified: ld },
      object_integrity_proof: {
        present: store.raw?.proof != null,
        checked: store.raw?.proof != null && !ld,
        verified: verified && !ld && !httpSig,
      },
      http_signature: {
        scheme: httpScheme,
        checked: httpSpan != null,
        verified: httpSig,
        key_id: a["http_signatures.key_id"] || httpSpan?.attributes["http_signatures.key_id"] || null,
        algorithm: httpSpan?.attributes["http_signatures.algorithm"] ?? null,
      },
    },
  };
}

function idOf(value) {
  if (value == null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return idOf(value[0]);
  if (typeof value === "object") return value.id ?? value["@id"] ?? null;
  return null;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Activity, async (ctx, activity) => {
    const store = ctx.data;
    const raw = store.raw ?? {};
    const v = verificationOf(store, store.headers);
    const entry = {
      seq: ++seq,
      received_at: new Date().toISOString(),
      inbox: ctx.recipient == null ? "shared" : "personal",
      recipient: ctx.recipient,
      type: raw.type ?? getTypeId(activity).href,
      id: activity.id?.href ?? raw.id ?? null,
      actor: activity.actorId?.href ?? idOf(raw.actor),
      object: raw.object ?? null,
      verified: v.verified,
      signature: v.signature,
      verification: v.details,
      signature_headers: store.signatureHeaders,
      activity: raw,
    };
    received.push(entry);
    await react(ctx, activity, entry);
  })
  .onError((_ctx, error) => {
    process.stderr.write(`peer: inbox listener error: ${error?.stack ?? error}\n`);
  });

// What the peer does on its own with what it received.
async function react(ctx, activity, entry) {
  const me = ctx.getActorUri(USERNAME).href;
  if (activity instanceof Follow && activity.objectId?.href === me) {
    if (!AUTO_ACCEPT) {
      pendingFollows.set(entry.id, entry.activity);
      return;
    }
    const follower = await activity.getActor(ctx);
    if (follower == null || follower.id == null) return;
    followers.set(follower.id.href, {
      id: follower.id.href,
      inboxId: follower.inboxId?.href ?? null,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
      follow: entry.id,
    });
    const accept = keep(new Accept({
      id: newId(Accept),
      actor: new URL(me),
      object: activity,
      to: follower.id,
    }));
    await sendLogged(ctx, accept, follower);
  } else if (activity instanceof Undo) {
    const object = await activity.getObject(ctx).catch(() => null);
    if (object instanceof Follow && activity.actorId != null) {
      followers.delete(activity.actorId.href);
      pendingFollows.delete(object.id?.href);
    }
  } else if (activity instanceof Accept || activity instanceof Reject) {
    const followId = activity.objectId?.href;
    for (const f of following.values()) {
      if (f.follow_id === followId || (followId == null && f.actor === activity.actorId?.href)) {
        if (activity instanceof Accept) f.accepted = true;
        else f.rejected = true;
      }
    }
  }
}

// Sends one activity and notes it (with how each delivery went) in `sent`.
async function sendLogged(ctx, activity, recipients, options = {}) {
  const store = als.getStore();
  const before = store?.outgoing.length ?? 0;
  const entry = {
    id: activity.id.href,
    type: getTypeId(activity).href.replace("https://www.w3.org/ns/activitystreams#", ""),
    sent_at: new Date().toISOString(),
    deliveries: [],
    error: null,
  };
  sent.push(entry);
  try {
    await ctx.sendActivity({ identifier: USERNAME }, recipients, activity, options);
  } catch (error) {
    entry.error = String(error?.message ?? error);
    throw error;
  } finally {
    entry.deliveries = (store?.outgoing.slice(before) ?? []).filter((o) => o.method === "POST");
  }
  return entry;
}

// ---------------------------------------------------------------------------
// Control API

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function requireString(body, key) {
  const value = body[key];
  if (typeof value !== "string" || value === "") throw new HttpError(400, `"${key}" (a string) is required`);
  return value;
}

function parseUrl(value, key) {
  try {
    return new URL(value);
  } catch {
    throw new HttpError(400, `"${key}" is not an absolute URL: ${value}`);
  }
}

// Looks an actor up through Fedify (a handle goes through WebFinger first).
async function lookupActor(ctx, ref) {
  let object;
  try {
    object = await ctx.lookupObject(ref);
  } catch (error) {
    throw new HttpError(502, `lookup of ${ref} failed: ${error?.message ?? error}`);
  }
  if (object == null) throw new HttpError(502, `lookup of ${ref} found nothing Fedify could use`);
  if (!isActor(object)) throw new HttpError(502, `${ref} is a ${getTypeId(object).href}, not an actor`);
  if (object.id == null || object.inboxId == null) throw new HttpError(502, `${ref} has no id or no inbox`);
  return object;
}

async function recipientFor(ctx, to) {
  return await lookupActor(ctx, to);
}

function ourFollowersUri(ctx) {
  return ctx.getFollowersUri(USERNAME);
}

async function compact(object, ctx) {
  return await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
}

const controlRoutes = {
  "GET /control/health": async () => json(200, { ok: true }),

  "GET /control/inbox": async (_ctx, url) => {
    const type = url.searchParams.get("type");
    const min = Number.parseInt(url.searchParams.get("min") ?? "1", 10);
    const timeout = Math.min(Number.parseInt(url.searchParams.get("timeout_ms") ?? "0", 10) || 0, 60_000);
    const matching = () => (type == null ? received : received.filter((r) => r.type === type));
    const deadline = Date.now() + timeout;
    while (timeout > 0 && matching().length < min && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    return json(200, { received: matching() });
  },

  "DELETE /control/inbox": async () => {
    received.length = 0;
    rejected.length = 0;
    return json(200, { ok: true });
  },

  "GET /control/rejected": async () => json(200, { rejected }),
  "GET /control/sent": async () => json(200, { sent }),
  "GET /control/followers": async () => json(200, { followers: [...followers.values()] }),
  "GET /control/following": async () => json(200, { following: [...following.values()] }),
  "GET /control/pending-follows": async () => json(200, { pending: [...pendingFollows.values()] }),

  "POST /control/follow": async (ctx, _url, body) => {
    const ref = typeof body.handle === "string" && body.handle !== ""
      ? body.handle.replace(/^acct:/, "")
      : requireString(body, "actor");
    const actor = await lookupActor(ctx, ref);
    const follow = keep(new Follow({
      id: newId(Follow),
      actor: ctx.getActorUri(USERNAME),
      object: actor.id,
      to: actor.id,
    }));
    following.set(actor.id.href, { actor: actor.id.href, follow_id: follow.id.href, accepted: false, rejected: false });
    const delivery = await sendLogged(ctx, follow, actor);
    let document = null;
    try {
      document = (await ctx.documentLoader(actor.id.href)).document;
    } catch {
      document = await compact(actor, ctx);
    }
    return json(200, {
      follow_id: follow.id.href,
      actor: document,
      actor_parsed: await compact(actor, ctx),
      deliveries: delivery.deliveries,
    });
  },

  "POST /control/unfollow": async (ctx, _url, body) => {
    const actor = await lookupActor(ctx, requireString(body, "actor").replace(/^acct:/, ""));
    const entry = following.get(actor.id.href);
    if (entry == null) throw new HttpError(409, `not following ${actor.id.href}`);
    const follow = objects.get(entry.follow_id);
    const undo = keep(new Undo({
      id: newId(Undo),
      actor: ctx.getActorUri(USERNAME),
      object: follow,
      to: actor.id,
    }));
    const delivery = await sendLogged(ctx, undo, actor);
    following.delete(actor.id.href);
    return json(200, { undo_id: undo.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/reply": async (ctx, _url, body) => {
    const inReplyTo = parseUrl(requireString(body, "in_reply_to"), "in_reply_to");
    const actor = await recipientFor(ctx, requireString(body, "to"));
    const content = typeof body.content === "string" ? body.content : "<p>A reply from a test peer.</p>";
    const pub = body.public !== false;
    const note = keep(new Note({
      id: newId(Note),
      attribution: ctx.getActorUri(USERNAME),
      content,
      replyTarget: inReplyTo,
      tos: pub ? [actor.id, PUBLIC_COLLECTION] : [actor.id],
      ccs: [ourFollowersUri(ctx)],
      tags: [new Mention({ href: actor.id, name: `@${actor.preferredUsername ?? "author"}@${actor.id.host}` })],
      published: Temporal.Now.instant(),
    }));
    const create = keep(new Create({
      id: newId(Create),
      actor: ctx.getActorUri(USERNAME),
      object: note,
      tos: note.toIds,
      ccs: note.ccIds,
      published: note.published,
    }));
    const delivery = await sendLogged(ctx, create, actor);
    return json(200, { note_id: note.id.href, create_id: create.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/like": async (ctx, _url, body) => {
    const object = parseUrl(requireString(body, "object"), "object");
    const actor = await recipientFor(ctx, requireString(body, "to"));
    const like = keep(new Like({
      id: newId(Like),
      actor: ctx.getActorUri(USERNAME),
      object,
      to: actor.id,
    }));
    const delivery = await sendLogged(ctx, like, actor);
    return json(200, { like_id: like.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/announce": async (ctx, _url, body) => {
    const object = parseUrl(requireString(body, "object"), "object");
    const actor = await recipientFor(ctx, requireString(body, "to"));
    const announce = keep(new Announce({
      id: newId(Announce),
      actor: ctx.getActorUri(USERNAME),
      object,
      to: PUBLIC_COLLECTION,
      ccs: [actor.id, ourFollowersUri(ctx)],
      published: Temporal.Now.instant(),
    }));
    const delivery = await sendLogged(ctx, announce, actor);
    return json(200, { announce_id: announce.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/undo": async (ctx, _url, body) => {
    const activityId = requireString(body, "activity");
    const original = objects.get(activityId);
    if (!(original instanceof Activity)) throw new HttpError(404, `this peer sent no activity ${activityId}`);
    const actor = await recipientFor(ctx, requireString(body, "to"));
    const undo = keep(new Undo({
      id: newId(Undo),
      actor: ctx.getActorUri(USERNAME),
      object: original,
      to: actor.id,
    }));
    const delivery = await sendLogged(ctx, undo, actor);
    return json(200, { undo_id: undo.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/delete": async (ctx, _url, body) => {
    const objectId = parseUrl(requireString(body, "object"), "object");
    const actor = await recipientFor(ctx, requireString(body, "to"));
    const del = keep(new Delete({
      id: newId(Delete),
      actor: ctx.getActorUri(USERNAME),
      object: new Tombstone({
        id: objectId,
        deleted: Temporal.Now.instant(),
      }),
      tos: [actor.id, PUBLIC_COLLECTION],
      ccs: [ourFollowersUri(ctx)],
    }));
    objects.delete(objectId.href);
    const delivery = await sendLogged(ctx, del, actor);
    return json(200, { delete_id: del.id.href, deliveries: delivery.deliveries });
  },

  "POST /control/publish": async (ctx, _url, body) => {
    const article = keep(new Article({
      id: newId(Article),
      attribution: ctx.getActorUri(USERNAME),
      name: typeof body.name === "string" ? body.name : "An article",
      content: typeof body.content === "string" ? body.content : "<p>An article from a test peer.</p>",
      to: PUBLIC_COLLECTION,
      cc: ourFollowersUri(ctx),
      published: Temporal.Now.instant(),
    }));
    const create = keep(new Create({
      id: newId(Create),
      actor: ctx.getActorUri(USERNAME),
      object: article,
      to: PUBLIC_COLLECTION,
      cc: ourFollowersUri(ctx),
      published: article.published,
    }));
    const delivery = await sendLogged(ctx, create, "followers", { preferSharedInbox: true });
    return json(200, {
      article_id: article.id.href,
      create_id: create.id.href,
      followers: followers.size,
      deliveries: delivery.deliveries,
    });
  },

  // Signs any JSON body with this peer's RSA key through Fedify's signRequest
  // (one scheme, no double knock, no Linked Data signature or proof added) and
  // POSTs it: for checking a server's HTTP signature verification.
  "POST /control/send-signed": async (ctx, _url, body) => {
    const inbox = parseUrl(requireString(body, "inbox"), "inbox");
    const activity = body.activity;
    if (activity == null || typeof activity !== "object") throw new HttpError(400, `"activity" (a JSON object) is required`);
    const specName = body.spec ?? "rfc9421";
    const spec = specName === "draft-cavage" || specName === "cavage" ? "draft-cavage-http-signatures-12" : specName;
    if (!["rfc9421", "draft-cavage-http-signatures-12", "none"].includes(spec)) {
      throw new HttpError(400, `"spec" must be "rfc9421", "draft-cavage" or "none"`);
    }
    const tamper = body.tamper ?? null;
    if (tamper != null && tamper !== "key" && tamper !== "body") throw new HttpError(400, `"tamper" must be "key" or "body"`);
    const text = JSON.stringify(activity);
    let request = new Request(inbox, {
      method: "POST",
      headers: { "content-type": "application/activity+json", accept: "application/activity+json" },
      body: text,
    });
    if (spec !== "none") {
      const [rsa] = await ctx.getActorKeyPairs(USERNAME);
      const privateKey = tamper === "key"
        ? (await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")).privateKey
        : rsa.privateKey;
      request = await signRequest(request, privateKey, rsa.keyId, { spec });
      if (tamper === "body") {
        request = new Request(request.url, {
          method: "POST",
          headers: request.headers,
          body: JSON.stringify({ ...activity, tampered: true }),
        });
      }
    }
    const signatureHeaders = SIGNATURE_HEADERS.filter((h) => request.headers.has(h));
    let response;
    try {
      response = await fetch(request);
    } catch (error) {
      return json(502, { error: `POST to ${inbox.href} failed: ${error?.cause ?? error}` });
    }
    return json(200, {
      status: response.status,
      body: (await response.text()).slice(0, 2000),
      signature: signatureSchemeOf(request.headers),
      signature_headers: signatureHeaders,
    });
  },

  "GET /control/lookup": async (ctx, url) => {
    const uri = url.searchParams.get("uri");
    if (!uri) throw new HttpError(400, `"uri" query parameter is required`);
    const signed = url.searchParams.get("signed") === "true" || url.searchParams.get("signed") === "1";
    let object;
    try {
      object = await ctx.lookupObject(
        uri,
        signed ? { documentLoader: await ctx.getDocumentLoader({ identifier: USERNAME }) } : {},
      );
    } catch (error) {
      return json(502, { error: `lookup failed: ${error?.message ?? error}` });
    }
    if (object == null) return json(404, { error: `Fedify's lookupObject found nothing usable at ${uri}` });
    return json(200, await compact(object, ctx));
  },

  "GET /control/verify-webfinger": async (ctx, url) => {
    const resource = url.searchParams.get("resource");
    if (!resource) throw new HttpError(400, `"resource" query parameter is required`);
    let jrd;
    try {
      jrd = await ctx.lookupWebFinger(resource);
    } catch (error) {
      return json(502, { error: `WebFinger lookup failed: ${error?.message ?? error}` });
    }
    if (jrd == null) return json(404, { error: `Fedify's lookupWebFinger found nothing for ${resource}` });
    return json(200, jrd);
  },
};

async function handleControl(request, url) {
  const route = controlRoutes[`${request.method} ${url.pathname}`];
  if (route == null) return json(404, { error: `no control route ${request.method} ${url.pathname}` });
  let body = {};
  if (request.method === "POST") {
    try {
      body = await request.json();
    } catch {
      return json(400, { error: "the body must be a JSON object" });
    }
    if (body == null || typeof body !== "object" || Array.isArray(body)) {
      return json(400, { error: "the body must be a JSON object" });
    }
  }
  const ctx = federation.createContext(new URL(BASE), als.getStore());
  try {
    return await route(ctx, url, body);
  } catch (error) {
    if (error instanceof HttpError) return json(error.status, { error: error.message });
    return json(502, { error: String(error?.message ?? error) });
  }
}

// ---------------------------------------------------------------------------
// HTTP plumbing: node:http in, Fedify's fetch handler (or the control API).

const SIGNATURE_HEADERS = ["signature", "signature-input", "digest", "content-digest", "date", "accept-signature"];

server.on("request", async (req, res) => {
  const store = newStore();
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const url = new URL(req.url, `http://${req.headers.host ?? `${hostForUrl}:${boundPort}`}`);
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    store.headers = headers;
    store.signatureHeaders = SIGNATURE_HEADERS.filter((h) => headers.has(h));
    const isInboxPost = req.method === "POST" && (url.pathname === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(url.pathname));
    if (isInboxPost) {
      try {
        store.raw = JSON.parse(body.toString("utf8"));
      } catch {
        store.raw = null;
      }
    }
    const response = await als.run(store, () =>
      url.pathname.startsWith("/control/")
        ? handleControl(request, url)
        : federation.fetch(request, {
          contextData: store,
          onNotFound: () => new Response("Not found", { status: 404 }),
          onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
        }));
    const responseBody = Buffer.from(await response.arrayBuffer());
    if (isInboxPost && response.status >= 400) {
      rejected.push({
        received_at: new Date().toISOString(),
        path: url.pathname,
        status: response.status,
        type: store.raw?.type ?? null,
        id: store.raw?.id ?? null,
        actor: idOf(store.raw?.actor),
        signature_headers: store.signatureHeaders,
        reason: responseBody.toString("utf8").slice(0, 500),
        // Fedify's own account: its errors, and its signature checks' debug lines.
        fedify_log: store.logs.filter((l) =>
          (l.level !== "debug" && l.level !== "trace") ||
          (l.category.startsWith("fedify.sig") && l.message.startsWith("Failed"))
        ),
      });
    }
    const outHeaders = {};
    for (const [k, v] of response.headers) outHeaders[k] = k in outHeaders ? `${outHeaders[k]}, ${v}` : v;
    res.writeHead(response.status, outHeaders);
    res.end(responseBody);
  } catch (error) {
    process.stderr.write(`peer: error serving ${req.method} ${req.url}: ${error?.stack ?? error}\n`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
});

// ---------------------------------------------------------------------------
// Ready; and a clean stop.

function stop() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (opts["exit-with-stdin"]) {
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}

const actorUri = new URL(`/users/${USERNAME}`, BASE).href;
process.stdout.write(`${JSON.stringify({
  ready: true,
  base: BASE,
  actor: actorUri,
  handle: `${USERNAME}@${hostForUrl}:${boundPort}`,
  inbox: `${actorUri}/inbox`,
  shared_inbox: `${BASE}/inbox`,
  auto_accept: AUTO_ACCEPT,
  first_knock: FIRST_KNOCK,
})}\n`);
