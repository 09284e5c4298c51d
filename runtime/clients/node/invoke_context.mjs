// The handler's `context` object, from the /next headers and the environment (aws-lambda-ric
// src/InvokeContext.js), and the per-invoke state around it: the request id the console prints,
// _X_AMZN_TRACE_ID and, on nodejs24.x, awslambda.InvokeStore.
import { setCurrentRequestId, setCurrentTenantId } from './log_patch.mjs';

// RIC v4 keeps the current invocation's ids in globalThis.awslambda.InvokeStore, the interface of
// @aws/lambda-invoke-store: the AWS SDK takes the X-Ray trace id from there, Powertools the
// request id. Single-concurrency flavour: the context simply changes with each invoke.
const KEYS = {
  REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
  X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
  TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
};
let invokeStore = null;

class InvokeStore {
  static PROTECTED_KEYS = KEYS;
  currentContext = undefined;
  isProtectedKey(key) { return Object.values(KEYS).includes(key); }
  getRequestId() { return this.get(KEYS.REQUEST_ID) ?? '-'; }
  getXRayTraceId() { return this.get(KEYS.X_RAY_TRACE_ID); }
  getTenantId() { return this.get(KEYS.TENANT_ID); }
  getContext() { return this.currentContext; }
  hasContext() { return this.currentContext !== undefined; }
  get(key) { return this.currentContext?.[key]; }
  set(key, value) {
    if (this.isProtectedKey(key)) {
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    }
    this.currentContext = this.currentContext || {};
    this.currentContext[key] = value;
  }
  run(context, fn) {
    this.currentContext = context;
    return fn();
  }
}

export function installInvokeStore() {
  invokeStore = new InvokeStore();
  globalThis.awslambda = { ...globalThis.awslambda, InvokeStore: invokeStore };
}

const HEADER = {
  clientContext: 'lambda-runtime-client-context',
  cognitoIdentity: 'lambda-runtime-cognito-identity',
  arn: 'lambda-runtime-invoked-function-arn',
  requestId: 'lambda-runtime-aws-request-id',
  deadlineMs: 'lambda-runtime-deadline-ms',
  traceId: 'lambda-runtime-trace-id',
  tenantId: 'lambda-runtime-aws-tenant-id',
};

function parseJsonHeader(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

export class InvokeContext {
  // headers: as node's http gives them, names lower-case.
  constructor(headers) {
    this.headers = headers;
  }

  get invokeId() {
    const id = this.headers[HEADER.requestId];
    if (!id) throw new Error('invocation id is missing or invalid');
    return id;
  }

  updateLoggingContext() {
    setCurrentRequestId(this.invokeId);
    setCurrentTenantId(this.headers[HEADER.tenantId]);
    invokeStore?.run({ [KEYS.REQUEST_ID]: this.invokeId,
      [KEYS.X_RAY_TRACE_ID]: this.headers[HEADER.traceId] }, () => {});
  }

  // Adds the invocation's data to `base` (the callback functions and flags, or nothing on
  // nodejs24.x) and returns it. Throws on a malformed client context or identity header: that
  // is the invocation's error.
  attachEnvironmentData(base, { withTraceId = false } = {}) {
    this.forwardXRay();
    const deadline = this.headers[HEADER.deadlineMs];
    const fromEnv = {
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    };
    const fromHeaders = {
      clientContext: parseJsonHeader(this.headers[HEADER.clientContext], 'ClientContext'),
      identity: parseJsonHeader(this.headers[HEADER.cognitoIdentity], 'CognitoIdentity'),
      invokedFunctionArn: this.headers[HEADER.arn],
      awsRequestId: this.headers[HEADER.requestId],
      tenantId: this.headers[HEADER.tenantId],
      getRemainingTimeInMillis() {
        return deadline - Date.now();
      },
    };
    // RIC v4 adds xRayTraceId and puts the header fields first (JSON.stringify(context) shows it).
    if (!withTraceId) return Object.assign(base, fromEnv, fromHeaders);
    fromHeaders.xRayTraceId = this.headers[HEADER.traceId];
    return Object.assign(base, fromHeaders, fromEnv);
  }

  // SDKs and the X-Ray SDK read the trace header from the environment.
  forwardXRay() {
    const trace = this.headers[HEADER.traceId];
    if (trace) {
      process.env._X_AMZN_TRACE_ID = trace;
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
  }
}
