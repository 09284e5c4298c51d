// Source: aws/aws-sam-cli-app-templates@c7285973 nodejs20.x/hello-gql/{{cookiecutter.project_name}}/greeter/app.mjs
// Adaptations: none
export const lambdaHandler = async (event, _) => {
  console.log("Got an Invoke Request.");
  console.log(`EVENT: ${JSON.stringify(event, 2)}`);

  const name = !event.arguments?.name ? "world" : event.arguments.name;

  switch (event.field) {
    case "sayHello":
      return `Hello, ${name}`;
    case "sayGoodbye":
      return `Bye, ${name}`;
    default:
      throw new Error("Unknown field, unable to resolve " + event.field);
  }
};
