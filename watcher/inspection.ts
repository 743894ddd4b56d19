import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/**
 * The receiving end of @statelyai/inspect's `createWebSocketInspector`.
 *
 * That inspector (v0.7) opens a plain WebSocket and sends one JSON text message per
 * inspection event: `@xstate.actor` (an actor started: name, sessionId, parentId,
 * snapshot), `@xstate.snapshot` (new snapshot plus the event that caused it) and
 * `@xstate.event` (an event sent to sessionId, from sourceId). Each carries `_version`.
 * It ignores whatever the server sends back, so we never reply.
 *
 * Session ids are only unique within one program: every Node process's first actor is `x:0`.
 * So an actor is keyed by its connection and its session id, and when a connection closes
 * (the program exited, perhaps without stopping its actors) its active actors are marked stopped.
 */

export interface InspectedActor {
  /** `<connection>/<sessionId>`: unique across the programs streaming here. */
  key: string;
  /** Which connection (program) reported it: 1 for the first to connect, 2 for the next… */
  connection: number;
  sessionId: string;
  name: string;
  parentId: string | null;
  /** 'active' | 'done' | 'error' | 'stopped', as the snapshot says. */
  status: string;
  /** The state value as dotted paths ("executive.awaitingDecision"); '' for non-machine actors. */
  value: string;
  /** The context as JSON, cut to CONTEXT_CHARS. */
  context: string;
  /** Newest last. */
  events: Array<{ type: string; sourceId: string | null; at: number }>;
  updatedAt: number;
}

const MAX_ACTORS = 500;
const MAX_EVENTS = 10;
const CONTEXT_CHARS = 400;

export class InspectionRegistry {
  private actors = new Map<string, InspectedActor>();
  private connections = 0;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });

  /** `onChange` is told the key of each actor that changed. */
  constructor(private onChange: (key: string) => void) {
    this.wss.on('connection', (socket: WebSocket) => {
      const connection = ++this.connections;
      socket.on('message', (data: RawData, isBinary: boolean) => {
        if (!isBinary) this.receive(data.toString(), connection);
      });
      socket.on('close', () => this.disconnected(connection));
    });
  }

  /** Hands an HTTP upgrade to the WebSocket server. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  list(): InspectedActor[] {
    return [...this.actors.values()];
  }

  get(key: string): InspectedActor | undefined {
    return this.actors.get(key);
  }

  /** Applies one message from `connection`; returns false for anything that is not an inspection event. */
  receive(text: string, connection = 0): boolean {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return false;
    }
    if (!isRecord(msg) || typeof msg.sessionId !== 'string' || typeof msg.type !== 'string') return false;
    const sessionId = msg.sessionId.slice(0, 200);
    const at = Number(msg.createdAt) || Date.now();
    const actor = this.actors.get(`${connection}/${sessionId}`) ?? this.create(connection, sessionId, at);
    switch (msg.type) {
      case '@xstate.actor':
        actor.name = str(msg.name) || actor.name;
        actor.parentId = str(msg.parentId) || null;
        this.applySnapshot(actor, msg.snapshot);
        break;
      case '@xstate.snapshot':
        this.applySnapshot(actor, msg.snapshot);
        break;
      case '@xstate.event': {
        const type = isRecord(msg.event) ? str(msg.event.type) : '';
        actor.events.push({ type: type.slice(0, 200), sourceId: str(msg.sourceId) || null, at });
        if (actor.events.length > MAX_EVENTS) actor.events.shift();
        break;
      }
      default:
        return false;
    }
    actor.updatedAt = at;
    this.onChange(actor.key);
    return true;
  }

  /** A program that exits without stopping its actors sends no last snapshot: its socket closing is the news. */
  private disconnected(connection: number): void {
    for (const actor of this.actors.values()) {
      if (actor.connection !== connection || actor.status !== 'active') continue;
      actor.status = 'stopped';
      actor.updatedAt = Date.now();
      this.onChange(actor.key);
    }
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private create(connection: number, sessionId: string, at: number): InspectedActor {
    // Forget the oldest actor rather than grow without bound when a program spawns many.
    if (this.actors.size >= MAX_ACTORS) this.actors.delete(this.actors.keys().next().value as string);
    const key = `${connection}/${sessionId}`;
    const actor: InspectedActor = { key, connection, sessionId, name: sessionId, parentId: null, status: 'active', value: '', context: '', events: [], updatedAt: at };
    this.actors.set(key, actor);
    return actor;
  }

  private applySnapshot(actor: InspectedActor, snapshot: unknown): void {
    if (!isRecord(snapshot)) return;
    actor.status = str(snapshot.status) || actor.status;
    if ('value' in snapshot) actor.value = formatValue(snapshot.value);
    if ('context' in snapshot) actor.context = preview(snapshot.context);
  }
}

/** `{ executive: 'awaitingDecision' }` → "executive.awaitingDecision"; parallel regions joined by ", ". */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return '';
  return Object.entries(value)
    .map(([key, sub]) => {
      const inner = formatValue(sub);
      return inner ? `${key}.${inner}` : key;
    })
    .join(', ');
}

function preview(value: unknown): string {
  if (value === undefined) return '';
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    json = '[unserializable]';
  }
  return json.length > CONTEXT_CHARS ? json.slice(0, CONTEXT_CHARS) + '…' : json;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
