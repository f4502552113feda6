import { type AuthUser, CatchUpWindows, type ChangeNudge, type DeviceRevocation, type FrameScope, redisChannels } from "@fieldsync/api";
import type { Redis } from "ioredis";

/** One open event stream, as the hub sees it. */
export interface Subscriber {
  orgId: string;
  userId: string;
  deviceId: string;
  /** The device's subscription when its stream opened: its events' data is filtered for it. */
  scope: FrameScope;
  /**
   * Writes the nudges, oldest first, to the stream in one go (one socket write for all of them).
   * False when its buffer is full: the hub keeps its nudges until the stream says it `drained`.
   */
  send(nudges: readonly ChangeNudge[]): boolean;
  /** Nudges it missed while full were dropped (too many): `newest` says where the organization is, so the device pulls. */
  skipped(newest: ChangeNudge): void;
  /** Ends the stream (its device was revoked). */
  close(): void;
}

/** Open streams allowed on one process; beyond either, a new stream is 429 STREAM_LIMIT_REACHED. */
export interface StreamLimits {
  perUser: number;
  perDevice: number;
}

/** A hub subscriber, how many of its organization's nudges it has been sent, and whether it can take more. */
interface Member {
  subscriber: Subscriber;
  sent: number;
  /** Its buffer is full: it is sent nothing until it drains. */
  full: boolean;
  /** It fell more than `maxBehind` nudges behind while full: when it drains it is told to pull instead. */
  lagged: boolean;
}

/**
 * An organization's streams and the nudges not yet sent to all of them: `nudges[i]` is the
 * organization's nudge number `base + i`; a stream joining at number n is sent those from n on.
 */
interface OrgStreams {
  orgId: string;
  scopes: Map<string, Set<Member>>;
  nudges: ChangeNudge[];
  base: number;
  /** The newest nudge delivered, kept after the log is trimmed (for streams told to pull). */
  newest: ChangeNudge | null;
}

/** Streams written to before a fan-out hands the event loop back. */
const fanOutChunk = 250;
/**
 * Nudges kept for a stream whose buffer is full (shared by all such streams of the organization):
 * ~10 s of a busy organization's events. A reader behind by more pulls when it drains.
 */
const maxBehind = 200;

const streamKeys = (orgId: string, userId: string, deviceId: string) => [`${orgId} ${userId}`, `${orgId} ${userId} ${deviceId}`];

/**
 * Fans nudges out to this process's SSE clients, and closes the streams of revoked devices.
 * Every server process subscribes to both Redis channels, so a push handled by any process (or
 * applied by the worker) reaches every device, and a revocation ends the device's streams on
 * every process. Subscribers are indexed by organization and scope, so an event is filtered
 * once per scope (frames.ts), not once per device.
 *
 * A fan-out writes each stream everything it has not been sent yet, in one write: on a busy
 * server, nudges that arrive while a fan-out is under way share the next socket write instead of
 * costing one each. The kernel's write was half of a busy server's time at 2,000 streams × 20
 * events/s, so the cost per event falls as the load rises, instead of the server falling behind.
 * A stream whose reader is slow (its buffer full) is skipped until it drains, then sent what it
 * missed; only one behind by more than `maxBehind` nudges is told to pull instead.
 */
export class NudgeHub {
  private readonly byOrg = new Map<string, OrgStreams>();
  private readonly catchUp: CatchUpWindows | null;

  /**
   * `catchUpBytesPerSecond`: what this process serves of catch-up pulls a second (part of the
   * pull gate's pace); a range announced without its changes then names the window its streams'
   * devices pull it within (CatchUpWindows). Without it they pull within `catchUpSpreadMs`.
   * `now`: the clock it drains by (tests pass their own).
   */
  constructor(options: { catchUpBytesPerSecond?: number; now?: () => number } = {}) {
    this.catchUp = options.catchUpBytesPerSecond ? new CatchUpWindows(options.catchUpBytesPerSecond, options.now) : null;
  }
  /** Open streams per `orgId user` and per `orgId user device`. */
  private readonly open = new Map<string, number>();
  private count = 0;
  /** Organizations with nudges not yet sent to every stream, in the order they came. */
  private readonly due = new Set<OrgStreams>();
  private scheduled = false;

  /** Whether one more stream of this user's device stays within `limits` (check, then `add` without awaiting). */
  admits(user: Pick<AuthUser, "id" | "orgId">, deviceId: string, limits: StreamLimits) {
    const [ofUser, ofDevice] = streamKeys(user.orgId, user.id, deviceId).map((key) => this.open.get(key) ?? 0);
    return ofUser! < limits.perUser && ofDevice! < limits.perDevice;
  }

  add(subscriber: Subscriber) {
    let org = this.byOrg.get(subscriber.orgId);
    if (!org) this.byOrg.set(subscriber.orgId, (org = { orgId: subscriber.orgId, scopes: new Map(), nudges: [], base: 0, newest: null }));
    const members = org.scopes.get(subscriber.scope.key) ?? new Set<Member>();
    org.scopes.set(subscriber.scope.key, members);
    // A stream hears of the nudges delivered after it opened, not of older ones still going out.
    const member: Member = { subscriber, sent: org.base + org.nudges.length, full: false, lagged: false };
    members.add(member);
    const keys = streamKeys(subscriber.orgId, subscriber.userId, subscriber.deviceId);
    for (const key of keys) this.open.set(key, (this.open.get(key) ?? 0) + 1);
    this.count++;
    const remove = () => {
      if (!members.delete(member)) return;
      this.count--;
      for (const key of keys) {
        const left = this.open.get(key)! - 1;
        if (left === 0) this.open.delete(key);
        else this.open.set(key, left);
      }
      if (members.size === 0) org.scopes.delete(subscriber.scope.key);
      this.forgetIfIdle(org);
    };
    /** The stream's buffer has room again: it is sent what it missed, or told to pull. */
    const drained = () => {
      if (!member.full) return;
      member.full = false;
      if (member.lagged) {
        member.lagged = false;
        if (org.newest) this.tryStream(() => subscriber.skipped(org.newest!));
      }
      if (member.sent < org.base + org.nudges.length) {
        this.due.add(org);
        this.schedule();
      }
    };
    return { remove, drained };
  }

  /** Queues `nudge` for the organization's streams; it goes out on the next turn of the event loop. */
  deliver = (nudge: ChangeNudge) => {
    const org = this.byOrg.get(nudge.orgId);
    if (!org || org.scopes.size === 0) return;
    const range = nudge.range;
    if (this.catchUp && range && !range.changes && range.bytes) {
      let streams = 0;
      for (const members of org.scopes.values()) streams += members.size;
      range.catchUpMs = this.catchUp.window(streams, range.bytes);
    }
    org.nudges.push(nudge);
    org.newest = nudge;
    this.due.add(org);
    this.schedule();
  };

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.fanOut();
    });
  }

  /**
   * Pass cursor: the organization being written, where in its streams the pass is, its newest
   * nudge when the pass began, and the oldest nudge a full stream visited still needs.
   */
  private pass: { org: OrgStreams; members: Iterator<Member>; head: number; kept: number } | null = null;

  /**
   * Writes up to `fanOutChunk` streams what they miss, then hands the event loop back. A pass
   * over an organization brings every stream that can take it to the newest nudge at the time it
   * is visited; when a pass ends, nudges no stream still needs are dropped, and the organization
   * stays due only if nudges came during the pass.
   */
  private fanOut() {
    for (let budget = fanOutChunk; budget > 0; ) {
      this.pass ??= this.nextPass();
      if (!this.pass) return;
      const { org, members } = this.pass;
      const step = members.next();
      if (step.done) {
        this.endPass();
        continue;
      }
      const member = step.value;
      const head = org.base + org.nudges.length;
      if (member.full) {
        if (head - member.sent > maxBehind) {
          member.lagged = true;
          member.sent = head;
        } else this.pass.kept = Math.min(this.pass.kept, member.sent);
        continue;
      }
      if (member.sent >= head) continue;
      budget--;
      const missed = org.nudges.slice(member.sent - org.base);
      member.sent = head;
      this.tryStream(() => {
        if (!member.subscriber.send(missed)) member.full = true;
      });
    }
    this.schedule();
  }

  /** One stream failing to take a frame (it is closing) must not stop the others' fan-out. */
  private tryStream(write: () => void) {
    try {
      write();
    } catch {
      // The stream's own close handler removes it.
    }
  }

  private nextPass() {
    const [org] = this.due;
    if (!org) return null;
    const members = [...org.scopes.values()].flatMap((set) => [...set]);
    const head = org.base + org.nudges.length;
    return { org, members: members[Symbol.iterator](), head, kept: head };
  }

  private endPass() {
    const { org, head, kept } = this.pass!;
    this.pass = null;
    org.nudges.splice(0, kept - org.base);
    org.base = kept;
    this.due.delete(org);
    if (org.base + org.nudges.length > head) this.due.add(org);
    this.forgetIfIdle(org);
  }

  /** An organization with no stream left and nothing going out is forgotten. */
  private forgetIfIdle(org: OrgStreams) {
    if (org.scopes.size === 0 && !this.due.has(org) && this.byOrg.get(org.orgId) === org) this.byOrg.delete(org.orgId);
  }

  revoke = (revocation: DeviceRevocation) => {
    for (const members of this.byOrg.get(revocation.orgId)?.scopes.values() ?? []) {
      for (const { subscriber } of [...members]) if (subscriber.deviceId === revocation.deviceId) subscriber.close();
    }
  };

  get size() {
    return this.count;
  }

  /**
   * Listens to the deployment's channels (`prefix`) on `connection` (which becomes a
   * subscriber-only connection); resolves once subscribed
   * (or at once if subscribing fails: ioredis subscribes again on its next reconnect).
   */
  listen(connection: Redis, prefix: string): Promise<void> {
    const channels = redisChannels(prefix);
    const subscribed = connection.subscribe(channels.changes, channels.revocations).then(() => undefined, () => undefined);
    connection.on("message", (channel: string, message: string) => {
      try {
        if (channel === channels.revocations) this.revoke(JSON.parse(message) as DeviceRevocation);
        else this.deliver(JSON.parse(message) as ChangeNudge);
      } catch {
        // A malformed message on our channel is dropped; streams also end at their token's expiry.
      }
    });
    return subscribed;
  }
}
