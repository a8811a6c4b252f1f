// Self-test of the federation peer, without Masthead: two peers on loopback
// follow, accept, publish, reply, like, announce, delete and unfollow, each
// delivery signed and verified by Fedify; deliveries with bad signatures are
// refused; and a server that only takes draft-cavage signatures gets them
// after Fedify's double knock.
//
// Run with `npm test` (node's test runner on the Node 22 binary).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const PEER = fileURLToPath(new URL("../peer.mjs", import.meta.url));
const AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

const started = [];

// Starts a peer and resolves with its ready line (plus `stop` and `logs`).
function startPeer(...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PEER, "--port", "0", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    started.push(child);
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`peer did not get ready in 20 s:\n${err}`)), 20_000);
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`peer exited (${code}) before it was ready:\n${err}`));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const ready = JSON.parse(out.slice(0, nl));
      resolve({ ...ready, child, logs: () => err });
    });
  });
}

async function call(peer, method, path, body) {
  const response = await fetch(new URL(path, peer.base), {
    method,
    headers: body == null ? {} : { "content-type": "application/json" },
    body: body == null ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = await response.json();
  return { status: response.status, json };
}

async function ok(peer, method, path, body) {
  const { status, json } = await call(peer, method, path, body);
  assert.equal(status, 200, `${method} ${path} → ${status}: ${JSON.stringify(json)}\n${peer.logs()}`);
  return json;
}

// The peer's inbox records, waiting (bounded) until `count` of `type` are there.
async function inbox(peer, type, count = 1) {
  const q = type == null ? "" : `?type=${type}&min=${count}&timeout_ms=10000`;
  return (await ok(peer, "GET", `/control/inbox${q}`)).received;
}

function objectId(value) {
  return typeof value === "string" ? value : value?.id;
}

describe("two Fedify peers on loopback", () => {
  let a; // reader: follows, replies
  let b; // writer: auto-accepts, publishes

  before(async () => {
    [a, b] = await Promise.all([
      startPeer("--username", "reader"),
      startPeer("--username", "writer", "--auto-accept"),
    ]);
  });

  after(() => {
    for (const child of started) child.kill("SIGTERM");
  });

  test("the ready line names the actor and its handle", () => {
    const port = new URL(a.base).port;
    assert.equal(a.ready, true);
    assert.equal(a.base, `http://127.0.0.1:${port}`);
    assert.equal(a.actor, `http://127.0.0.1:${port}/users/reader`);
    assert.equal(a.handle, `reader@127.0.0.1:${port}`);
  });

  test("WebFinger for an acct: handle works over plain http on loopback", async () => {
    const jrd = await ok(a, "GET", `/control/verify-webfinger?resource=${encodeURIComponent(`acct:${b.handle}`)}`);
    assert.equal(jrd.subject, `acct:${b.handle}`);
    const self = jrd.links.find((l) => l.rel === "self");
    assert.equal(self.href, b.actor);
    assert.equal(self.type, "application/activity+json");
  });

  test("lookup parses the other peer's actor with its keys", async () => {
    const actor = await ok(a, "GET", `/control/lookup?uri=${encodeURIComponent(b.actor)}`);
    assert.equal(actor.type, "Person");
    assert.equal(actor.id, b.actor);
    assert.match(actor.publicKey.publicKeyPem, /BEGIN PUBLIC KEY/);
    assert.ok(actor.assertionMethod, "an Ed25519 multikey is published");
  });

  test("lookup of nothing answers an error", async () => {
    const { status, json } = await call(a, "GET", `/control/lookup?uri=${encodeURIComponent(`${b.base}/nothing/here`)}`);
    assert.ok(status >= 400);
    assert.equal(typeof json.error, "string");
  });

  let followId;
  test("A follows B by handle; B accepts and A records the Accept, verified", async () => {
    const res = await ok(a, "POST", "/control/follow", { handle: b.handle });
    followId = res.follow_id;
    assert.ok(followId.startsWith(`${a.base}/`));
    assert.equal(res.actor.id, b.actor);
    assert.equal(res.actor.type, "Person");

    const follows = await inbox(b, "Follow");
    assert.equal(follows.length, 1);
    assert.equal(follows[0].id, followId);
    assert.equal(follows[0].actor, a.actor);
    assert.equal(follows[0].verified, true);

    const accepts = await inbox(a, "Accept");
    assert.equal(accepts.length, 1);
    assert.equal(accepts[0].actor, b.actor);
    assert.equal(accepts[0].verified, true);
    assert.ok(accepts[0].signature, "the verifying scheme is named");
    assert.equal(objectId(accepts[0].object), followId);

    const { followers } = await ok(b, "GET", "/control/followers");
    assert.deepEqual(followers.map((f) => f.id), [a.actor]);
    const { following } = await ok(a, "GET", "/control/following");
    assert.equal(following[0].accepted, true);
  });

  let articleId;
  test("B publishes an Article; A receives the Create, verified", async () => {
    const res = await ok(b, "POST", "/control/publish", { name: "On loopback", content: "<p>Hello, reader.</p>" });
    articleId = res.article_id;
    assert.equal(res.followers, 1);
    const creates = await inbox(a, "Create");
    assert.equal(creates.length, 1);
    assert.equal(creates[0].actor, b.actor);
    assert.equal(creates[0].verified, true);
    assert.equal(creates[0].object.type, "Article");
    assert.equal(creates[0].object.id, articleId);
    assert.equal(creates[0].object.name, "On loopback");
  });

  test("the Article B served can be looked up through Fedify", async () => {
    const article = await ok(a, "GET", `/control/lookup?uri=${encodeURIComponent(articleId)}`);
    assert.equal(article.type, "Article");
    assert.equal(article.id, articleId);
  });

  let noteId;
  test("A replies to the Article; B receives the Create{Note}, verified", async () => {
    const res = await ok(a, "POST", "/control/reply", {
      in_reply_to: articleId,
      to: b.actor,
      content: "<p>Thanks!</p>",
    });
    noteId = res.note_id;
    const creates = await inbox(b, "Create");
    assert.equal(creates.length, 1);
    const [create] = creates;
    assert.equal(create.verified, true);
    assert.equal(create.actor, a.actor);
    assert.equal(create.object.type, "Note");
    assert.equal(create.object.id, noteId);
    assert.equal(create.object.inReplyTo, articleId);
    assert.equal(create.object.content, "<p>Thanks!</p>");
    const to = [create.object.to].flat();
    assert.ok(to.includes(b.actor) && (to.includes(AS_PUBLIC) || to.includes("as:Public")), JSON.stringify(to));
  });

  test("A likes and announces the Article, then deletes its Note; B records each", async () => {
    const like = await ok(a, "POST", "/control/like", { object: articleId, to: b.actor });
    const announce = await ok(a, "POST", "/control/announce", { object: articleId, to: b.actor });
    const del = await ok(a, "POST", "/control/delete", { object: noteId, to: b.actor });
    const [likes, announces, deletes] = [await inbox(b, "Like"), await inbox(b, "Announce"), await inbox(b, "Delete")];
    assert.equal(likes[0].id, like.like_id);
    assert.equal(objectId(likes[0].object), articleId);
    assert.equal(announces[0].id, announce.announce_id);
    assert.equal(deletes[0].id, del.delete_id);
    assert.equal(deletes[0].object.type, "Tombstone");
    assert.equal(deletes[0].object.id, noteId);
    for (const r of [likes[0], announces[0], deletes[0]]) assert.equal(r.verified, true);
  });

  for (const spec of ["rfc9421", "draft-cavage"]) {
    test(`a delivery signed only with an HTTP signature (${spec}) verifies as ${spec}`, async () => {
      const id = `${a.base}/activities/like/http-only-${spec}`;
      const res = await ok(a, "POST", "/control/send-signed", {
        inbox: `${b.actor}/inbox`,
        spec,
        activity: {
          "@context": "https://www.w3.org/ns/activitystreams",
          id,
          type: "Like",
          actor: a.actor,
          object: articleId,
          to: b.actor,
        },
      });
      assert.equal(res.status, 202, res.body);
      const record = (await inbox(b, "Like", 2)).find((r) => r.id === id);
      assert.ok(record, `B recorded ${id}`);
      assert.equal(record.verified, true);
      assert.equal(record.signature, spec);
      assert.equal(record.verification.http_signature.verified, true);
      assert.equal(record.verification.http_signature.key_id, `${a.actor}#main-key`);
    });
  }

  test("deliveries with a bad or missing signature are refused and not recorded", async () => {
    const base = {
      "@context": "https://www.w3.org/ns/activitystreams",
      type: "Create",
      actor: a.actor,
      to: b.actor,
      object: { type: "Note", content: "<p>forged</p>", attributedTo: a.actor },
    };
    const tries = [
      { spec: "rfc9421", tamper: "key" },
      { spec: "draft-cavage", tamper: "key" },
      { spec: "rfc9421", tamper: "body" },
      { spec: "draft-cavage", tamper: "body" },
      { spec: "none" },
    ];
    const ids = [];
    for (const [i, t] of tries.entries()) {
      const id = `${a.base}/activities/create/forged-${i}`;
      ids.push(id);
      const res = await ok(a, "POST", "/control/send-signed", {
        inbox: `${b.actor}/inbox`,
        ...t,
        activity: { ...base, id, object: { ...base.object, id: `${a.base}/notes/forged-${i}` } },
      });
      assert.ok([401, 403].includes(res.status), `${JSON.stringify(t)} → ${res.status} ${res.body}`);
    }
    // Straight to the shared inbox, unsigned.
    const direct = await fetch(`${b.base}/inbox`, {
      method: "POST",
      headers: { "content-type": "application/activity+json" },
      body: JSON.stringify({ ...base, id: `${a.base}/activities/create/forged-direct` }),
    });
    assert.ok([401, 403].includes(direct.status), `unsigned → ${direct.status}`);
    ids.push(`${a.base}/activities/create/forged-direct`);

    const all = await inbox(b);
    for (const id of ids) assert.ok(!all.some((r) => r.id === id), `${id} must not be recorded`);
    const { rejected } = await ok(b, "GET", "/control/rejected");
    for (const id of ids) assert.ok(rejected.some((r) => r.id === id), `${id} is listed as rejected`);
  });

  test("A unfollows B; B records the Undo and forgets the follower", async () => {
    await ok(a, "POST", "/control/unfollow", { actor: b.actor });
    const undos = await inbox(b, "Undo");
    assert.equal(undos.length, 1);
    assert.equal(undos[0].verified, true);
    assert.equal(undos[0].object.type, "Follow");
    assert.equal(undos[0].object.id, followId);
    const { followers } = await ok(b, "GET", "/control/followers");
    assert.deepEqual(followers, []);
  });

  test("every activity A received is verified and names its scheme", async () => {
    for (const r of await inbox(a)) {
      assert.equal(r.verified, true);
      assert.ok(["ld", "proof", "rfc9421", "draft-cavage"].includes(r.signature), r.signature);
    }
  });
});

// A bare server that publishes an actor whose key is never checked, and whose
// inbox answers 401 to RFC 9421 signatures and 202 to draft-cavage ones: the
// peer's deliveries show whether Fedify knocks twice.
describe("double knock against a draft-cavage-only server", () => {
  let server;
  let base;
  let peer;
  const inboxSeen = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, base);
      if (url.pathname === "/actor") {
        res.writeHead(200, { "content-type": "application/activity+json" });
        res.end(JSON.stringify({
          "@context": "https://www.w3.org/ns/activitystreams",
          id: `${base}/actor`,
          type: "Service",
          preferredUsername: "cavage",
          inbox: `${base}/inbox`,
        }));
      } else if (url.pathname === "/inbox" && req.method === "POST") {
        req.resume();
        const rfc9421 = req.headers["signature-input"] != null;
        inboxSeen.push(rfc9421 ? "rfc9421" : req.headers.signature != null ? "draft-cavage" : "none");
        res.writeHead(rfc9421 ? 401 : 202).end();
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${server.address().port}`;
    peer = await startPeer("--username", "knocker");
  });

  after(() => {
    server.close();
    peer.child.kill("SIGTERM");
  });

  test("the first delivery knocks with RFC 9421, then with draft-cavage; the next goes straight to draft-cavage", async () => {
    const first = await ok(peer, "POST", "/control/like", { object: `${base}/post/1`, to: `${base}/actor` });
    assert.deepEqual(first.deliveries.map((d) => [d.signature, d.status]), [["rfc9421", 401], ["draft-cavage", 202]]);
    const second = await ok(peer, "POST", "/control/like", { object: `${base}/post/2`, to: `${base}/actor` });
    assert.deepEqual(second.deliveries.map((d) => [d.signature, d.status]), [["draft-cavage", 202]]);
    assert.deepEqual(inboxSeen, ["rfc9421", "draft-cavage", "draft-cavage"]);
  });
});
