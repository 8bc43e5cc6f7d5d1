"""The official MLflow Python client against this registry, unchanged.

Run by mlflow-client.test.ts with MLFLOW_TRACKING_URI pointing at a live
registry. Prints one JSON line with what it observed; any client error fails
the process.
"""

import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient

EXPERIMENT = "python-client-flow"
MODEL = "PythonClientModel"

mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
mlflow.set_experiment(EXPERIMENT)
client = MlflowClient()

with tempfile.TemporaryDirectory() as folder:
    report = os.path.join(folder, "report.txt")
    with open(report, "w", encoding="utf-8") as handle:
        handle.write("accuracy report\n")
    model_dir = os.path.join(folder, "model")
    os.makedirs(model_dir)
    # An MLmodel file makes register_model take the run's artifact folder as the source.
    with open(os.path.join(model_dir, "MLmodel"), "w", encoding="utf-8") as handle:
        handle.write("artifact_path: model\nflavors: {}\n")
    with open(os.path.join(model_dir, "model.bundle.json"), "w", encoding="utf-8") as handle:
        json.dump({"kind": "test-bundle"}, handle)

    with mlflow.start_run(run_name="python-client-run") as run:
        mlflow.log_param("trees", 10)
        mlflow.log_params({"max_depth": 6, "seed": 42})
        mlflow.log_metric("accuracy", 0.5, step=0)
        mlflow.log_metric("accuracy", 0.75, step=1)
        mlflow.log_metrics({"f1": 0.7, "loss": 0.3})
        mlflow.set_tag("purpose", "wire-compatibility")
        mlflow.log_artifact(report, artifact_path="reports")
        mlflow.log_artifacts(model_dir, artifact_path="model")
        run_id = run.info.run_id

finished = client.get_run(run_id)
history = client.get_metric_history(run_id, "accuracy")
artifacts = [f.path for f in client.list_artifacts(run_id)]
report_files = [f.path for f in client.list_artifacts(run_id, "reports")]

with tempfile.TemporaryDirectory() as folder:
    downloaded = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="reports/report.txt", dst_path=folder)
    with open(downloaded, encoding="utf-8") as handle:
        downloaded_text = handle.read()

registered = mlflow.register_model(f"runs:/{run_id}/model", MODEL)
second = client.create_model_version(MODEL, f"runs:/{run_id}/model", run_id=run_id)
client.set_registered_model_alias(MODEL, "production", registered.version)
by_alias = client.get_model_version_by_alias(MODEL, "production")
versions = client.search_model_versions(f"name='{MODEL}'")
found = client.search_runs([finished.info.experiment_id], "metrics.accuracy > 0.7")

print(
    json.dumps(
        {
            "mlflow_version": mlflow.__version__,
            "run_id": run_id,
            "status": finished.info.status,
            "params": finished.data.params,
            "metrics": finished.data.metrics,
            "tags": {k: v for k, v in finished.data.tags.items() if k in ("purpose", "mlflow.runName")},
            "history": [[m.step, m.value] for m in history],
            "artifacts": artifacts,
            "report_files": report_files,
            "downloaded_text": downloaded_text,
            "registered_version": registered.version,
            "registered_source": registered.source,
            "second_version": second.version,
            "alias_version": by_alias.version,
            "alias_aliases": list(by_alias.aliases),
            "version_count": len(versions),
            "search_hits": [r.info.run_id for r in found],
        }
    )
)
sys.stdout.flush()
