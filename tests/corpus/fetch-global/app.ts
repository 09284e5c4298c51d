// Source: leadtrip/typescript-playground src/aws/lambdaHandler.ts (stored public copy)
// Adaptations: the URL was the constant 'https://aws.amazon.com/' (public internet); it is read from CORPUS_FETCH_URL, set to this Stratus's /_stratus/health
import { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
const url = process.env.CORPUS_FETCH_URL as string;
export const lambdaHandler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
        // fetch is available with Node.js 18
        const res = await fetch(url);
        return {
            statusCode: res.status,
            body: JSON.stringify({
                message: await res.text(),
            }),
        };
    } catch (err) {
        console.log(err);
        return {
            statusCode: 500,
            body: JSON.stringify({
                message: 'some error happened',
            }),
        };
    }
};
