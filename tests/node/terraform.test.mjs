// deploy/terraform: every .tf file parsed by a real HCL parser
// (@cdktf/hcl2json, HashiCorp's HCL compiled to WebAssembly), then the wiring
// checked on the parsed tree: references resolve, the notification reaches a
// queue whose policy admits exactly that bucket, the event source mapping joins
// that queue to the function, and the IAM policy grants what flowdex calls (read
// from flowdex's own sources) and nothing broader. No provider can be
// downloaded here, so `terraform validate` cannot run; `terraform fmt -check`
// runs when terraform is installed.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { getReferencesInExpression, parse } from "@cdktf/hcl2json";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MODULE_DIR = path.join(ROOT, "deploy/terraform");
const EXAMPLE_DIR = path.join(MODULE_DIR, "examples/complete");

// Parses every .tf file of a folder and merges them as Terraform does.
async function loadModule(dir) {
  const merged = { resource: {}, data: {}, variable: {}, locals: {}, output: {}, module: {}, terraform: [], provider: {} };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort();
  assert.ok(files.length > 0, `no .tf files in ${dir}`);
  for (const file of files) {
    const parsed = await parse(file, fs.readFileSync(path.join(dir, file), "utf8"));
    for (const [kind, value] of Object.entries(parsed)) {
      if (kind === "locals") {
        for (const block of value) Object.assign(merged.locals, block);
      } else if (kind === "terraform") {
        merged.terraform.push(...value);
      } else if (kind === "resource" || kind === "data") {
        for (const [type, byName] of Object.entries(value)) {
          merged[kind][type] ??= {};
          for (const [name, blocks] of Object.entries(byName)) {
            assert.ok(!merged[kind][type][name], `${type}.${name} declared twice`);
            merged[kind][type][name] = blocks[0];
          }
        }
      } else {
        for (const [name, blocks] of Object.entries(value)) {
          assert.ok(!merged[kind]?.[name], `${kind} ${name} declared twice`);
          merged[kind] ??= {};
          merged[kind][name] = Array.isArray(blocks) ? blocks[0] : blocks;
        }
      }
    }
  }
  return { files, ...merged };
}

// Every string in a parsed tree, with where it was found.
function* strings(node, where = "") {
  if (typeof node === "string") yield [node, where];
  else if (Array.isArray(node)) for (const [i, v] of node.entries()) yield* strings(v, `${where}[${i}]`);
  else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) yield* strings(v, `${where}.${k}`);
}

async function references(node) {
  const out = [];
  for (const [s, where] of strings(node)) {
    if (!s.includes("${")) continue;
    for (const ref of await getReferencesInExpression("x.tf", s)) out.push({ ref: ref.value, where });
  }
  return out;
}

const ref = (expr) => `\${${expr}}`;

// The body of a policy document's statements, the dynamic ones included, each
// with the for_each expression that guards it ("" for static statements).
function statements(doc) {
  const out = [];
  for (const st of doc.statement ?? []) out.push({ ...st, guard: "" });
  for (const dyn of doc.dynamic?.statement ?? []) {
    for (const content of dyn.content) out.push({ ...content, guard: dyn.for_each });
  }
  return out;
}

// Evaluates the few guard expressions the module uses, for one deployment.
function guardHolds(guard, d) {
  const table = {
    "": true,
    [ref("local.use_lambda ? [1] : []")]: d.consumer === "lambda",
    [ref("local.use_worker ? [1] : []")]: d.consumer === "worker",
    [ref("local.use_secret ? [1] : []")]: d.secret,
    [ref("local.use_opensearch ? [1] : []")]: d.opensearch,
    [ref("var.sink_secret_kms_key_arn != null ? [1] : []")]: d.secretKms,
    [ref("var.bucket_kms_key_arn != null ? [1] : []")]: d.bucketKms,
    [ref("local.use_lambda && var.lambda_vpc != null ? [1] : []")]: d.consumer === "lambda" && d.vpc,
    [ref("local.use_inventory ? [1] : []")]: d.inventory,
    [ref("local.use_inventory && length(var.inventory_role_arns) > 0 ? [1] : []")]: d.inventory && d.roles,
    [ref("length(var.alert_sns_topic_arns) > 0 ? [1] : []")]: !!d.alerts,
  };
  assert.ok(guard in table, `the test does not know the guard ${guard}: teach guardHolds`);
  return table[guard];
}

// What flowdex calls, read from its sources, as IAM actions.
function flowdexCalls() {
  const src = (p) => fs.readFileSync(path.join(ROOT, "src", p), "utf8");
  const sqs = [...src("aws/sqs_client.cc").matchAll(/(?:Call|Batch)\("([A-Za-z]+)"/g)].map(
    (m) => `sqs:${m[1].replace(/Batch$/, "")}`);
  const s3 = [...src("aws/s3_client.cc").matchAll(/"S3 (GetObject|ListObjectsV2)/g)].map(
    (m) => (m[1] === "ListObjectsV2" ? "s3:ListBucket" : `s3:${m[1]}`));
  const secrets = [...src("aws/secrets_client.cc").matchAll(/"secretsmanager\.([A-Za-z]+)"/g)].map(
    (m) => `secretsmanager:${m[1]}`);
  const es = [...src("pipeline/elasticsearch_sink.cc").matchAll(/Send\("([A-Z]+)"/g)].map(
    (m) => `es:ESHttp${m[1][0]}${m[1].slice(1).toLowerCase()}`);
  const ec2 = [...src("aws/ec2_client.cc").matchAll(/Paginate\(\s*"([A-Za-z]+)"/g)].map((m) => `ec2:${m[1]}`);
  const sns = [...src("aws/sns_client.cc").matchAll(/"Action=([A-Za-z]+)&/g)].map((m) => `sns:${m[1]}`);
  const calls = { sqs: new Set(sqs), s3: new Set(s3), secrets: new Set(secrets), es: new Set(es), ec2: new Set(ec2),
                  sns: new Set(sns) };
  // The sources are where the list comes from; an empty one means the patterns went stale.
  for (const [k, v] of Object.entries(calls)) assert.ok(v.size > 0, `found no ${k} calls in flowdex's sources`);
  return calls;
}

const sorted = (it) => [...new Set(it)].sort();

const mod = await loadModule(MODULE_DIR);
const example = await loadModule(EXAMPLE_DIR);
const R = mod.resource;
const D = mod.data;

describe("deploy/terraform", () => {
  test("every .tf file parses, and the module has what the issue lists", () => {
    assert.deepEqual(mod.files, ["delivery.tf", "flow_log.tf", "iam.tf", "lambda.tf", "main.tf", "opensearch.tf",
      "outputs.tf", "s3.tf", "sqs.tf", "variables.tf", "versions.tf"]);
    for (const type of ["aws_s3_bucket", "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_lifecycle_configuration",
      "aws_s3_bucket_policy", "aws_s3_bucket_notification", "aws_flow_log", "aws_sqs_queue", "aws_sqs_queue_policy",
      "aws_sqs_queue_redrive_allow_policy", "aws_lambda_function", "aws_lambda_event_source_mapping", "aws_iam_role",
      "aws_iam_role_policy", "aws_iam_policy", "aws_cloudwatch_log_group", "aws_opensearch_domain",
      "aws_cloudwatch_log_subscription_filter", "aws_lambda_permission", "aws_kinesis_firehose_delivery_stream"]) {
      assert.ok(R[type], `no ${type}`);
    }
    assert.equal(mod.terraform[0].required_providers[0].aws.source, "hashicorp/aws");
  });

  test("every reference resolves (module and example)", async () => {
    for (const [m, label] of [[mod, "module"], [example, "example"]]) {
      // A variable's type (number, object({...})) is a type expression, not references.
      const variable = Object.fromEntries(Object.entries(m.variable).map(([k, { type, ...rest }]) => [k, rest]));
      const body = { resource: m.resource, data: m.data, locals: m.locals, output: m.output, module: m.module,
        provider: m.provider, variable };
      const refs = await references(body);
      assert.ok(refs.length > (label === "module" ? 50 : 5), `${label}: only ${refs.length} references found`);
      for (const { ref: r, where } of refs) {
        const [head, a, b] = r.split(".");
        let ok;
        if (head === "var") ok = a in m.variable;
        else if (head === "local") ok = a in m.locals;
        else if (head === "data") ok = !!m.data[a]?.[b];
        else if (head === "module") ok = a in m.module;
        else if (["path", "each", "count", "self", "terraform"].includes(head)) ok = true;
        // A dynamic block's iterator is named after the block: statement.value, vpc_config.value.
        else if (a === "value" && where.includes(`.dynamic.${head}`)) ok = true;
        else ok = !!m.resource[head]?.[a];
        assert.ok(ok, `${label}: ${r} (at ${where}) does not resolve`);
      }
    }
  });

  test("variables have a description and a type; outputs a description; checks say what is wrong", async () => {
    const used = new Set((await references({ resource: R, data: D, locals: mod.locals, output: mod.output }))
      .filter((r) => r.ref.startsWith("var.")).map((r) => r.ref.split(".")[1]));
    for (const [name, v] of Object.entries(mod.variable)) {
      assert.ok(v.description?.length > 10, `variable ${name} has no description`);
      assert.ok(v.type, `variable ${name} has no type`);
      assert.ok(used.has(name), `variable ${name} is never used`);
      for (const val of v.validation ?? []) {
        assert.ok(val.condition.includes(`var.${name}`), `variable ${name}: its validation does not test it`);
        assert.ok(val.error_message.startsWith(name.split("_")[0]), `variable ${name}: error message should name it`);
      }
    }
    const validated = Object.values(mod.variable).filter((v) => v.validation).length;
    assert.ok(validated >= 20, `only ${validated} variables are validated`);
    for (const [name, o] of Object.entries(mod.output)) assert.ok(o.description, `output ${name} has no description`);
  });

  test("the example root module calls the module with its variables", () => {
    const call = example.module.flowdex;
    assert.equal(call.source, "../..");
    for (const arg of Object.keys(call)) {
      if (["source", "version", "providers", "depends_on", "count", "for_each"].includes(arg)) continue;
      assert.ok(arg in mod.variable, `the example passes ${arg}, which the module does not declare`);
    }
    for (const [name, v] of Object.entries(mod.variable)) {
      if (!("default" in v)) assert.ok(name in call, `the example omits the required variable ${name}`);
    }
    for (const [, o] of Object.entries(example.output)) {
      const m = o.value.match(/^\$\{module\.flowdex\.([a-z_]+)\}$/);
      assert.ok(m && m[1] in mod.output, `example output ${o.value} is not a module output`);
    }
    assert.match(call.lambda_zip_path, /build\/flowdex-lambda\.zip"?$/);
  });

  test("the bucket is private, encrypted, expiring, and readable by log delivery only under AWSLogs/", () => {
    const bucket = ref("aws_s3_bucket.flow_logs.id");
    const pab = R.aws_s3_bucket_public_access_block.flow_logs;
    assert.equal(pab.bucket, bucket);
    for (const k of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) {
      assert.equal(pab[k], true, k);
    }
    const sse = R.aws_s3_bucket_server_side_encryption_configuration.flow_logs;
    assert.equal(sse.bucket, bucket);
    assert.ok(sse.rule[0].apply_server_side_encryption_by_default[0].sse_algorithm.includes("AES256"));
    const lifecycle = R.aws_s3_bucket_lifecycle_configuration.flow_logs.rule.find((r) => r.expiration);
    assert.equal(lifecycle.expiration[0].days, ref("var.flow_log_retention_days"));
    assert.equal(lifecycle.filter[0].prefix, ref("local.log_prefix"));

    const policy = statements(D.aws_iam_policy_document.flow_logs_bucket);
    const write = policy.find((s) => s.sid === "AWSLogDeliveryWrite");
    assert.deepEqual(write.actions, ["s3:PutObject"]);
    assert.deepEqual(write.resources, [`${ref("aws_s3_bucket.flow_logs.arn")}/${ref("local.log_prefix")}*`]);
    assert.deepEqual(write.principals[0].identifiers, ["delivery.logs.amazonaws.com"]);
    assert.ok(write.condition.some((c) => c.variable === "aws:SourceAccount"));
    const deny = policy.find((s) => s.effect === "Deny");
    assert.equal(deny.condition[0].variable, "aws:SecureTransport");
    assert.equal(R.aws_s3_bucket_policy.flow_logs.policy, ref("data.aws_iam_policy_document.flow_logs_bucket.json"));
  });

  test("the flow log records every v2-v8 field, in the order flowdex gen --fields v8 writes", () => {
    const fl = R.aws_flow_log.vpc;
    assert.equal(fl.vpc_id, ref("var.vpc_id"));
    // The destination type per delivery, as the EC2 API names them.
    for (const [delivery, type] of [["s3", "s3"], ["cloudwatch_logs", "cloud-watch-logs"],
      ["firehose", "kinesis-data-firehose"]]) {
      assert.match(fl.log_destination_type, new RegExp(`${delivery}\\s*=\\s*"${type}"`));
    }
    assert.match(fl.log_destination_type, /\[var\.delivery\]/);
    assert.ok(fl.log_destination.includes("aws_s3_bucket.flow_logs.arn"));
    assert.ok(fl.log_destination.includes("aws_cloudwatch_log_group.flow_logs[0].arn"));
    assert.ok(fl.log_destination.includes("aws_kinesis_firehose_delivery_stream.flow_logs[0].arn"));
    assert.equal(fl.iam_role_arn, ref("local.use_cwl ? aws_iam_role.flow_log_delivery[0].arn : null"));
    assert.equal(fl.max_aggregation_interval, 60);
    assert.equal(fl.log_format, ref("local.log_format"));
    const dyn = fl.dynamic.destination_options[0];
    assert.equal(dyn.for_each, ref('var.delivery == "s3" ? [1] : []'));
    const opts = dyn.content[0];
    assert.equal(opts.hive_compatible_partitions, ref("var.hive_compatible_partitions"));
    assert.equal(opts.file_format, ref("var.file_format"));
    assert.deepEqual(mod.variable.file_format.default, "plain-text");
    // local.log_format is "${field} ..." over local.flow_log_fields: compare the list with flowdex's v8 header.
    assert.ok(mod.locals.log_format.includes("local.flow_log_fields"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowdex-tf-"));
    try {
      execFileSync(process.env.FLOWDEX ?? path.join(ROOT, "build/flowdex"),
        ["gen", "--records", "1", "--fields", "v8", "--out", dir], { stdio: "ignore" });
      const file = execFileSync("find", [dir, "-name", "*.log.gz"]).toString().trim();
      const header = execFileSync("sh", ["-c", `gzip -dc '${file}' | head -1`]).toString().trim().split(" ");
      assert.equal(header.length, 40);
      assert.deepEqual(mod.locals.flow_log_fields, header);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the notification targets the queue whose policy admits exactly that bucket", () => {
    const n = R.aws_s3_bucket_notification.flow_logs;
    assert.equal(n.bucket, ref("aws_s3_bucket.flow_logs.id"));
    assert.equal(n.queue.length, 1);
    const q = n.queue[0];
    assert.equal(q.queue_arn, ref("aws_sqs_queue.events.arn"));
    assert.deepEqual(q.events, ["s3:ObjectCreated:*"]);
    assert.equal(q.filter_prefix, ref("local.log_prefix"));
    assert.equal(q.filter_suffix, ref('var.file_format == "parquet" ? ".parquet" : ".log.gz"'));
    assert.ok(n.depends_on.includes(ref("aws_sqs_queue_policy.events")), "S3 tests the queue when saving: policy first");

    // The one policy on that queue...
    const policies = Object.values(R.aws_sqs_queue_policy).filter((p) => p.queue_url === ref("aws_sqs_queue.events.id"));
    assert.equal(policies.length, 1);
    const docName = policies[0].policy.match(/^\$\{data\.aws_iam_policy_document\.([a-z_]+)\.json\}$/)[1];
    const sts = statements(D.aws_iam_policy_document[docName]);
    // ...lets S3 send to it, from that bucket (by ARN) of this account, and nothing else.
    assert.equal(sts.length, 1);
    const [st] = sts;
    assert.ok(!st.effect || st.effect === "Allow");
    assert.deepEqual(st.actions, ["sqs:SendMessage"]);
    assert.deepEqual(st.resources, [ref("aws_sqs_queue.events.arn")]);
    assert.deepEqual(st.principals, [{ type: "Service", identifiers: ["s3.amazonaws.com"] }]);
    const source = st.condition.find((c) => c.variable === "aws:SourceArn");
    assert.equal(source.test, "ArnEquals");
    assert.deepEqual(source.values, [ref("aws_s3_bucket.flow_logs.arn")]);
    assert.ok(n.bucket.startsWith(source.values[0].replace(".arn}", "")), "the notification's bucket is the admitted one");
  });

  test("the queue has a dead-letter queue, and only it may use that DLQ", async () => {
    const events = R.aws_sqs_queue.events;
    const refs = (await references(events.redrive_policy)).map((r) => r.ref);
    assert.deepEqual(sorted(refs), ["aws_sqs_queue.dead_letters.arn", "var.max_receive_count"]);
    assert.equal(events.sqs_managed_sse_enabled, true);
    const allow = R.aws_sqs_queue_redrive_allow_policy.dead_letters;
    assert.equal(allow.queue_url, ref("aws_sqs_queue.dead_letters.id"));
    assert.deepEqual(sorted((await references(allow.redrive_allow_policy)).map((r) => r.ref)), ["aws_sqs_queue.events.arn"]);
    assert.match(allow.redrive_allow_policy, /redrivePermission\s*=\s*"byQueue"/);
  });

  test("the event source mapping joins that queue to the function, with partial batch failures", () => {
    const esm = R.aws_lambda_event_source_mapping.events;
    assert.equal(esm.event_source_arn, ref("aws_sqs_queue.events.arn"));
    assert.equal(esm.function_name, ref("aws_lambda_function.consumer[0].arn"));
    assert.deepEqual(esm.function_response_types, ["ReportBatchItemFailures"]);
    assert.equal(esm.batch_size, ref("var.batch_size"));
    assert.equal(esm.maximum_batching_window_in_seconds, ref("var.batching_window_seconds"));

    const fn = R.aws_lambda_function.consumer;
    assert.equal(fn.runtime, "provided.al2023");
    assert.equal(fn.handler, "bootstrap");
    assert.equal(fn.filename, ref("var.lambda_zip_path"));
    assert.equal(fn.memory_size, ref("var.lambda_memory_mb"));
    assert.equal(fn.timeout, ref("var.lambda_timeout_seconds"));
    assert.equal(fn.reserved_concurrent_executions, ref("var.lambda_reserved_concurrency"));
    assert.equal(fn.role, ref("aws_iam_role.lambda[0].arn"));
    // GeoIP databases come as a layer, mounted where FLOWDEX_GEOIP_DIR points.
    assert.equal(fn.layers, ref('var.geoip_layer_arn == null ? [] : [var.geoip_layer_arn]'));
    // The environment names flowdex lambda reads (src/cli/main.cc).
    const env = fn.environment[0].variables;
    const main = fs.readFileSync(path.join(ROOT, "src/cli/main.cc"), "utf8");
    for (const name of ["FLOWDEX_SINK", "FLOWDEX_INDEX", "FLOWDEX_SINK_SECRET", "FLOWDEX_SINK_SIGV4", "FLOWDEX_KEY_PATTERN",
                        "FLOWDEX_GEOIP_DIR", "FLOWDEX_AWS_IP_RANGES", "FLOWDEX_INVENTORY_REFRESH", "FLOWDEX_INVENTORY",
                        "FLOWDEX_INVENTORY_ROLES"]) {
      assert.ok(env.includes(name), `the function's environment lacks ${name}`);
      assert.ok(main.includes(`"${name}"`), `flowdex does not read ${name}`);
    }
    // The inventory's history lives in the function's /tmp.
    assert.match(env, /FLOWDEX_INVENTORY\s*=\s*local\.use_inventory \? "\/tmp\/flowdex-inventory\.json" : null/);
    // Its role's one inline policy is the consumer document; the role trusts Lambda only.
    const rp = R.aws_iam_role_policy.lambda;
    assert.equal(rp.role, ref("aws_iam_role.lambda[0].id"));
    assert.equal(rp.policy, ref("data.aws_iam_policy_document.consumer.json"));
    const trust = statements(D.aws_iam_policy_document.lambda_assume);
    assert.deepEqual(trust.map((s) => [s.actions, s.principals]), [[["sts:AssumeRole"], [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }]]]);
    // The log group the function writes to is its own.
    assert.equal(R.aws_cloudwatch_log_group.lambda.name, "/aws/lambda/${var.name}");
    assert.equal(fn.function_name, ref("var.name"));
    // SQS's visibility is six function timeouts (AWS's advice for SQS triggers).
    assert.match(mod.locals.visibility_timeout, /6 \* var\.lambda_timeout_seconds/);
  });

  test("the IAM policy grants what the worker and the function call, and nothing broader", () => {
    const calls = flowdexCalls();
    const doc = statements(D.aws_iam_policy_document.consumer);
    const base = { secret: true, opensearch: true, secretKms: false, bucketKms: false, vpc: false, inventory: false };
    const granted = (d) => doc.filter((s) => guardHolds(s.guard, d));
    const actions = (d) => sorted(granted(d).flatMap((s) => s.actions));
    const byActionOf = (d, a) => granted(d).filter((s) => s.actions.includes(a)).flatMap((s) => [].concat(s.resources));

    // The worker: exactly the calls in flowdex's sources.
    const worker = { ...base, consumer: "worker" };
    assert.deepEqual(actions(worker), sorted([...calls.sqs, ...calls.s3, ...calls.secrets, ...calls.es]));
    // The function: Lambda's poller does the SQS side (receive, delete, queue attributes); no listing.
    const fn = { ...base, consumer: "lambda" };
    assert.deepEqual(actions(fn), sorted(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
      ...[...calls.s3].filter((a) => a !== "s3:ListBucket"), ...calls.secrets, ...calls.es,
      "logs:CreateLogStream", "logs:PutLogEvents"]));
    // With the inventory, each also gets exactly the Describe calls the inventory makes (and the
    // function sets its refresh and history file).
    assert.deepEqual(actions({ ...worker, inventory: true }), sorted([...actions(worker), ...calls.ec2]));
    assert.deepEqual(actions({ ...fn, inventory: true }), sorted([...actions(fn), ...calls.ec2]));
    assert.equal(calls.ec2.size, 5);
    // Other accounts: AssumeRole (which flowdex's credentials code makes) on exactly the roles named.
    assert.match(fs.readFileSync(path.join(ROOT, "src/aws/credentials.cc"), "utf8"), /Action=AssumeRole&/);
    assert.deepEqual(actions({ ...worker, inventory: true, roles: true }),
                     sorted([...actions(worker), ...calls.ec2, "sts:AssumeRole"]));
    assert.deepEqual(byActionOf({ ...fn, inventory: true, roles: true }, "sts:AssumeRole"), [ref("var.inventory_role_arns")]);
    // Detection alerts to SNS: the one call flowdex makes, on exactly the topics named.
    assert.deepEqual(actions({ ...worker, alerts: true }), sorted([...actions(worker), ...calls.sns]));
    assert.deepEqual([...calls.sns], ["sns:Publish"]);
    assert.deepEqual(byActionOf({ ...worker, alerts: true }, "sns:Publish"), [ref("var.alert_sns_topic_arns")]);
    // Without a secret or OpenSearch, neither is granted.
    assert.ok(!actions({ ...worker, secret: false, opensearch: false }).some((a) => /secretsmanager|^es:/.test(a)));
    // KMS only when a key is named, and only through the service that uses it.
    const kms = granted({ ...fn, bucketKms: true, secretKms: true }).filter((s) => s.actions.includes("kms:Decrypt"));
    assert.equal(kms.length, 2);
    for (const s of kms) assert.equal(s.condition[0].variable, "kms:ViaService");

    for (const d of [worker, fn, { ...fn, vpc: true, bucketKms: true, secretKms: true, inventory: true, roles: true }]) {
      for (const s of granted(d)) {
        assert.ok(!s.effect || s.effect === "Allow");
        for (const a of s.actions) assert.ok(!a.includes("*"), `wildcard action ${a}`);
        for (const r of [].concat(s.resources)) {
          // EC2 has no narrower resource for these.
          if (s.sid === "ManageFunctionNetworkInterfaces" || s.sid === "ReadInventory") continue;
          assert.notEqual(r, "*", `${s.sid}: resource *`);
          assert.ok(r.startsWith("${"), `${s.sid}: ${r} is not one of the module's resources or variables`);
        }
      }
    }
    const byAction = (d, a) => granted(d).filter((s) => s.actions.includes(a)).flatMap((s) => s.resources);
    assert.deepEqual(byAction(worker, "s3:GetObject"), [`${ref("aws_s3_bucket.flow_logs.arn")}/${ref("local.log_prefix")}*`]);
    assert.deepEqual(sorted(byAction(worker, "sqs:ReceiveMessage")), [ref("aws_sqs_queue.events.arn")]);
    assert.deepEqual(byAction(worker, "sqs:ChangeMessageVisibility"), [ref("aws_sqs_queue.events.arn")]);
    assert.deepEqual(byAction(worker, "secretsmanager:GetSecretValue"), [ref("var.sink_secret_arn")]);
    const list = granted(worker).find((s) => s.actions.includes("s3:ListBucket"));
    assert.deepEqual(list.condition[0], { test: "StringLike", variable: "s3:prefix", values: [`${ref("local.log_prefix")}*`] });
    // The worker's managed policy is the same document.
    assert.equal(R.aws_iam_policy.worker.policy, ref("data.aws_iam_policy_document.consumer.json"));
  });

  test("delivery = cloudwatch_logs: the group's subscription filter invokes the function, which knows the layout", () => {
    const cwl = ref("local.use_cwl ? 1 : 0");
    const group = R.aws_cloudwatch_log_group.flow_logs;
    assert.equal(group.count, cwl);
    // VPC Flow Logs writes with a role only it may assume, for this account, into that group only.
    const assume = statements(D.aws_iam_policy_document.flow_log_delivery_assume);
    assert.deepEqual(assume[0].principals, [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }]);
    assert.deepEqual(assume[0].condition[0], { test: "StringEquals", variable: "aws:SourceAccount",
      values: [ref("local.account_id")] });
    const write = statements(D.aws_iam_policy_document.flow_log_delivery);
    assert.deepEqual(sorted(write.flatMap((s) => s.actions)), ["logs:CreateLogStream", "logs:DescribeLogStreams",
      "logs:PutLogEvents"]);
    assert.deepEqual(write.flatMap((s) => s.resources), [`${ref("aws_cloudwatch_log_group.flow_logs[0].arn")}:*`]);
    assert.equal(R.aws_iam_role_policy.flow_log_delivery.role, ref("aws_iam_role.flow_log_delivery[0].id"));
    // Only CloudWatch Logs, for that group, may invoke the function; the filter sends every event to it.
    const perm = R.aws_lambda_permission.flow_logs;
    assert.equal(perm.principal, "logs.amazonaws.com");
    assert.equal(perm.action, "lambda:InvokeFunction");
    assert.equal(perm.source_arn, `${ref("aws_cloudwatch_log_group.flow_logs[0].arn")}:*`);
    assert.equal(perm.function_name, ref("aws_lambda_function.consumer[0].function_name"));
    const filter = R.aws_cloudwatch_log_subscription_filter.flow_logs;
    assert.equal(filter.log_group_name, ref("aws_cloudwatch_log_group.flow_logs[0].name"));
    assert.equal(filter.destination_arn, ref("aws_lambda_function.consumer[0].arn"));
    assert.equal(filter.filter_pattern, "");
    assert.ok(filter.depends_on.includes(ref("aws_lambda_permission.flow_logs")));
    // The events carry no header: the function gets the flow log's layout, which flowdex parses.
    const env = R.aws_lambda_function.consumer.environment[0].variables;
    assert.match(env, /FLOWDEX_FORMAT\s*=\s*local\.use_cwl \? join\(" ", local\.flow_log_fields\) : null/);
    const r = spawnSync(process.env.FLOWDEX ?? path.join(ROOT, "build/flowdex"),
      ["parse", "--format", mod.locals.flow_log_fields.join(" "), "-"], { input: "", encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    // And the function answers awslogs events (src/pipeline/lambda_runtime.cc).
    assert.match(fs.readFileSync(path.join(ROOT, "src/pipeline/lambda_runtime.cc"), "utf8"), /FindMember\("awslogs"\)/);
  });

  test("delivery = firehose: the stream posts to flowdex's endpoint with the key from Secrets Manager", () => {
    const fh = R.aws_kinesis_firehose_delivery_stream.flow_logs;
    assert.equal(fh.count, ref("local.use_firehose ? 1 : 0"));
    assert.equal(fh.destination, "http_endpoint");
    assert.match(fh.tags, /"LogDeliveryEnabled"\s*=\s*"true"/);
    const http = fh.http_endpoint_configuration[0];
    assert.equal(http.url, ref("var.firehose_endpoint_url"));
    assert.equal(http.s3_backup_mode, "FailedDataOnly");
    const sm = http.secrets_manager_configuration[0];
    assert.equal(sm.enabled, true);
    assert.equal(sm.secret_arn, ref("var.firehose_access_key_secret_arn"));
    const rc = http.request_configuration[0];
    assert.equal(rc.content_encoding, "GZIP");
    // The layout travels as the common attribute flowdex reads (src/pipeline/firehose_receiver.cc).
    assert.deepEqual(rc.common_attributes[0], { name: "flowdex-format", value: ref('join(" ", local.flow_log_fields)') });
    assert.match(fs.readFileSync(path.join(ROOT, "src/pipeline/firehose_receiver.cc"), "utf8"), /"flowdex-format"/);
    const backup = http.s3_configuration[0];
    assert.equal(backup.bucket_arn, ref("aws_s3_bucket.flow_logs.arn"));
    assert.equal(backup.prefix, ref("local.firehose_backup_prefix"));
    // The stream's role: assumed by Firehose of this account; reads exactly that secret, writes the backup prefix.
    const assume = statements(D.aws_iam_policy_document.firehose_assume);
    assert.deepEqual(assume[0].principals, [{ type: "Service", identifiers: ["firehose.amazonaws.com"] }]);
    assert.equal(assume[0].condition[0].variable, "sts:ExternalId");
    const doc = statements(D.aws_iam_policy_document.firehose);
    const by = (a) => doc.filter((s) => s.actions.includes(a)).flatMap((s) => s.resources);
    assert.deepEqual(by("secretsmanager:GetSecretValue"), [ref("var.firehose_access_key_secret_arn")]);
    assert.deepEqual(by("s3:PutObject"), [`${ref("aws_s3_bucket.flow_logs.arn")}/${ref("local.firehose_backup_prefix")}*`]);
    for (const s of doc) for (const a of s.actions) assert.ok(!a.includes("*"), `wildcard action ${a}`);
    // Without an https endpoint or a secret, planning stops with a message.
    const conditions = fh.lifecycle[0].precondition.map((p) => p.error_message).join(" ");
    assert.match(conditions, /firehose_endpoint_url/);
    assert.match(conditions, /firehose_access_key_secret_arn/);
    assert.deepEqual(mod.variable.delivery.default, "s3");
  });

  test("terraform fmt -check, when terraform is installed", (t) => {
    const probe = spawnSync("terraform", ["version"], { stdio: "ignore" });
    if (probe.error) return t.skip("terraform is not installed");
    const r = spawnSync("terraform", ["fmt", "-check", "-recursive", "-diff", MODULE_DIR], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
