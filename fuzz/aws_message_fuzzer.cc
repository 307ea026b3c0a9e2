// Fuzzes what the AWS pipeline reads from the network: SQS message bodies
// (S3 / SNS / EventBridge notifications), Lambda SQS events, AWS error
// answers (JSON and XML), XML documents, URLs, SigV4 canonical forms and
// shared-config INI files. None may crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "aws/xml_document.h"
#include "pipeline/lambda_runtime.h"
#include "pipeline/s3_notification.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  flowdex::S3Notification n = flowdex::ParseS3Notification(input);
  for (const auto& o : n.objects) {
    if (o.bucket.empty() || o.key.empty()) __builtin_trap();  // objects always name both
  }
  std::vector<flowdex::SqsEventRecord> records;
  (void)flowdex::ParseSqsEvent(input, &records);
  flowdex::XmlElement root;
  (void)flowdex::ParseXml(input, &root);
  flowdex::HttpResponse response;
  response.status = 400;
  response.body = input;
  (void)flowdex::ParseAwsError(response);
  flowdex::UrlParts url;
  if (flowdex::ParseUrl(input, &url).ok()) (void)url.HostHeader();
  (void)flowdex::CanonicalQuery(input);
  (void)flowdex::CanonicalUri(input, true);
  (void)flowdex::CanonicalUri(input, false);
  (void)flowdex::FormDecode(input);
  (void)flowdex::ParseIni(input);
  return 0;
}
