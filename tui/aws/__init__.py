"""Access to the Partner Central Selling API through boto3: the client (`client`, one method per API
call, responses decoded with msgspec), what can go wrong (`failures`, no botocore; `errors` maps
botocore's exceptions to them), the one retry policy (`retry`), response size and depth caps
(`body_limits`), and the client's surface as a Protocol (`service`). No Textual here.

Import the submodules: this package loads nothing, so `tui.aws.failures` and `tui.aws.service` come
without the AWS SDK.
"""
