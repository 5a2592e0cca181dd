"""Contoso ingest: pulls uploaded documents, indexes them and records the run."""

import os

import psycopg2
from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from azure.storage.blob import BlobServiceClient
from dotenv import load_dotenv
from openai import AzureOpenAI

load_dotenv()


def clients():
    blob_service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    bus = ServiceBusClient.from_connection_string(os.environ["SERVICEBUS_CONNECTION_STRING"])
    db = psycopg2.connect(os.environ["DATABASE_URL"])
    llm = AzureOpenAI(
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version="2024-06-01",
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    )
    search = SearchClient(
        os.environ["AZURE_SEARCH_ENDPOINT"], "documents", AzureKeyCredential(os.environ["AZURE_SEARCH_KEY"])
    )
    return blob_service, bus, db, llm, search


def run_once() -> int:
    blob_service, bus, db, llm, search = clients()
    container = blob_service.get_container_client("uploads")
    done = 0
    for blob in container.list_blobs():
        text = container.download_blob(blob.name).readall().decode("utf-8", errors="replace")
        summary = (
            llm.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"Summarise:\n{text[:4000]}"}],
            )
            .choices[0]
            .message.content
        )
        search.upload_documents([{"id": blob.name.replace("/", "_"), "content": text, "summary": summary}])
        with db, db.cursor() as cur:
            cur.execute("INSERT INTO ingest_runs (blob_name) VALUES (%s)", (blob.name,))
        with bus.get_queue_sender("ingested") as sender:
            sender.send_messages(ServiceBusMessage(blob.name))
        done += 1
    return done


if __name__ == "__main__":
    print(f"ingested {run_once()} documents")
