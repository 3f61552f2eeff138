"""Drives model-provider with the official OpenAI Python SDK and fails loudly on anything the
SDK rejects or that is not what a client expects. Prints one JSON line of findings."""

import json
import sys

from openai import OpenAI


def main(base_url: str) -> None:
    client = OpenAI(base_url=base_url, api_key="not-needed-offline", max_retries=0, timeout=30)
    findings = {}

    reply = client.chat.completions.create(
        model="agent",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hello to the SDK check."},
        ],
    )
    assert reply.model == "agent", reply.model
    assert reply.choices[0].message.content, reply
    assert reply.choices[0].finish_reason == "stop", reply.choices[0].finish_reason
    assert reply.usage.total_tokens > 0, reply.usage
    findings["chat"] = reply.choices[0].message.content

    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
                "required": ["city", "days"],
            },
        },
    }
    stream = client.chat.completions.create(
        model="agent",
        messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
        tools=[tool],
        tool_choice="required",
        stream=True,
        stream_options={"include_usage": True},
    )
    calls, finish, usage = {}, None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
                call["id"] = delta.id or call["id"]
                if delta.function is not None:
                    call["name"] += delta.function.name or ""
                    call["arguments"] += delta.function.arguments or ""
            finish = choice.finish_reason or finish
    assert list(calls) == [0], calls
    arguments = json.loads(calls[0]["arguments"])
    assert calls[0]["name"] == "get_weather" and calls[0]["id"], calls
    assert isinstance(arguments["city"], str) and arguments["days"] >= 1, arguments
    assert finish == "tool_calls", finish
    assert usage is not None and usage.total_tokens > 0, usage
    findings["tool_call"] = {"name": calls[0]["name"], "arguments": arguments}

    vectors = client.embeddings.create(model="all-purpose", input=["a cat", "a dog", "taxes"])
    assert [item.index for item in vectors.data] == [0, 1, 2], vectors.data
    dimensions = {len(item.embedding) for item in vectors.data}
    assert dimensions == {384}, dimensions
    findings["embeddings"] = {"count": len(vectors.data), "dimensions": dimensions.pop()}

    print(json.dumps({"ok": True, **findings}))


if __name__ == "__main__":
    main(sys.argv[1])
